// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) with otpauth; one step of clock drift allowed.
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

function totp(secretBase32: string, label = "", issuer = "Tenant Platform"): TOTP {
  return new TOTP({ issuer, label, algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpCode(secretBase32: string, at = Date.now()): string {
  return totp(secretBase32).generate({ timestamp: at });
}

/** The 30-second step the code belongs to (now, or one step either side), or null when wrong. */
export function totpStep(secretBase32: string, code: string, at = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: at, window: 1 });
  return delta === null ? null : Math.floor(at / 30_000) + delta;
}

export function checkTotp(secretBase32: string, code: string, at = Date.now()): boolean {
  return totpStep(secretBase32, code, at) !== null;
}

export async function totpEnrolment(secretBase32: string, label: string, issuer: string): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = totp(secretBase32, label, issuer).toString();
  return { uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}
