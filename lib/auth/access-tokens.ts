// API access tokens: JWTs (HS256, jose) for 15 minutes, naming tenant, subject, role
// and session, with the signing key's id in the header. AUTH_JWT_KEYS lists keys
// newest first: the first signs, every listed key verifies, so a new key goes in
// front and the old one stays until the last token it signed has expired.
import { decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { derivedKey } from "@/lib/crypto/derived-keys";
import { serverEnv } from "@/lib/env";

export const accessTokenTtlSeconds = 15 * 60;
const issuer = "tenant-platform";
const audienceFor = (tenant: string) => `tenant:${tenant}`;

function signingKeys(): { kid: string; key: Uint8Array }[] {
  const configured = serverEnv().AUTH_JWT_KEYS;
  if (configured?.length) return configured.map((k) => ({ kid: k.kid, key: new TextEncoder().encode(k.secret) }));
  return [{ kid: "auth-secret", key: derivedKey("access-token") }];
}

export interface AccessClaims {
  tenant: string;
  userId: string;
  role: string;
  sessionId: string;
}

/**
 * Signs an access token. `issuedAt` (seconds) is given when re-issuing the pair of a
 * refresh that already happened (the race grace window): HS256 is deterministic, so
 * the same claims and key give the same token.
 */
export async function signAccessToken(claims: AccessClaims, issuedAt = Math.floor(Date.now() / 1000)): Promise<string> {
  const { kid, key } = signingKeys()[0]!;
  return new SignJWT({ tid: claims.tenant, role: claims.role, sid: claims.sessionId })
    .setProtectedHeader({ alg: "HS256", kid, typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(audienceFor(claims.tenant))
    .setSubject(claims.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + accessTokenTtlSeconds)
    .sign(key);
}

/** The claims of a valid token for `tenant`, or null (bad signature, unknown key, expired, other tenant). */
export async function verifyAccessToken(token: string, tenant: string): Promise<AccessClaims | null> {
  try {
    const { kid } = decodeProtectedHeader(token);
    const entry = signingKeys().find((k) => k.kid === kid);
    if (!entry) return null;
    const { payload } = await jwtVerify(token, entry.key, {
      issuer,
      audience: audienceFor(tenant),
      algorithms: ["HS256"],
      typ: "at+jwt",
    });
    if (payload.tid !== tenant || typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    return { tenant, userId: payload.sub, role: String(payload.role), sessionId: payload.sid };
  } catch {
    return null;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
