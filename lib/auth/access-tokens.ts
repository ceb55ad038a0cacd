// API access tokens: JWTs (HS256, jose) for 15 minutes, naming tenant, subject, role
// and session, with the signing key's id in the header. AUTH_JWT_KEYS lists keys
// newest first: the first signs, every listed key verifies, so a new key goes in
// front and the old one stays until the last token it signed has expired.
import { decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { derivedKey } from "@/lib/crypto/derived-keys";
import { serverEnv } from "@/lib/env";

export const accessTokenTtlSeconds = 15 * 60;
const issuer = "tenant-platform";
const audienceFor = (tenant: string) => `tenant:${tenant}`;

type SigningKeys = { kid: string; key: Uint8Array }[];
let keysFor: { env: object; keys: SigningKeys } | undefined;

/** The configured keys, built once per configuration (a new env, e.g. in tests, rebuilds them). */
function signingKeys(): SigningKeys {
  const env = serverEnv();
  if (keysFor?.env !== env) {
    const configured = env.AUTH_JWT_KEYS;
    const keys = configured?.length
      ? configured.map((k) => ({ kid: k.kid, key: new TextEncoder().encode(k.secret) }))
      : [{ kid: "auth-secret", key: derivedKey("access-token") }];
    keysFor = { env, keys };
  }
  return keysFor.keys;
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

// A client presents the same token on every request for 15 minutes; checking its
// signature each time (WebCrypto key import + HMAC) was a tenth of an API request's CPU.
// A token that verified once is remembered until it expires. Revocation does not depend
// on this: the session behind the token is checked on every request (sessions.ts).
// Entries remember the key set they were checked under: a configuration change (a key
// dropped from AUTH_JWT_KEYS) makes every token be checked again.
const verified = new LRUCache<string, { claims: AccessClaims; expiresAtMs: number; keys: SigningKeys }>({ max: 20_000 });

/** The claims of a valid token for `tenant`, or null (bad signature, unknown key, expired, other tenant). */
export async function verifyAccessToken(token: string, tenant: string): Promise<AccessClaims | null> {
  const cacheKey = `${tenant} ${token}`;
  const keys = signingKeys();
  const hit = verified.get(cacheKey);
  if (hit && hit.keys === keys) {
    if (hit.expiresAtMs > Date.now()) return hit.claims;
    verified.delete(cacheKey);
    return null;
  }
  const result = await verifySignature(token, tenant);
  if (result) verified.set(cacheKey, { ...result, keys });
  return result?.claims ?? null;
}

async function verifySignature(token: string, tenant: string): Promise<{ claims: AccessClaims; expiresAtMs: number } | null> {
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
    if (payload.tid !== tenant || typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") return null;
    return { claims: { tenant, userId: payload.sub, role: String(payload.role), sessionId: payload.sid }, expiresAtMs: payload.exp * 1000 };
  } catch {
    return null;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}
