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

export function checkTotp(secretBase32: string, code: string, at = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return totp(secretBase32).validate({ token: code, timestamp: at, window: 1 }) !== null;
}

export async function totpEnrolment(secretBase32: string, label: string, issuer: string): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = totp(secretBase32, label, issuer).toString();
  return { uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}
