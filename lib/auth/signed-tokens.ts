// Short-lived signed tokens the server hands itself: the MFA challenge between the
// password step and the code step, and the one-time ticket that lets next-auth's
// Credentials provider open a session for a user we already authenticated. The operator
// console uses the same tokens with its own purposes (and keys): its challenge between
// password and TOTP, and its session cookie; their `tenant` is operatorAudience, which
// is no tenant's slug, so no operator token ever verifies for a tenant.
import { jwtVerify, SignJWT } from "jose";
import { derivedKey, type KeyPurpose } from "@/lib/crypto/derived-keys";

type Purpose = Extract<KeyPurpose, "sign-in-ticket" | "mfa-challenge" | "operator-challenge" | "operator-session">;
const lifetimes: Record<Purpose, number> = {
  "sign-in-ticket": 60,
  "mfa-challenge": 300,
  "operator-challenge": 600,
  // An operator session lasts a working day at most (its database row says the same).
  "operator-session": 12 * 3600,
};

/** The `tenant` claim of operator tokens: not a valid slug, so never a tenant. */
export const operatorAudience = "@platform";

export function tokenLifetimeSeconds(purpose: Purpose): number {
  return lifetimes[purpose];
}

export interface SignedClaims {
  tenant: string;
  userId: string;
  jti: string;
  /** The second factor was checked (tickets only). */
  mfa?: boolean;
}

/** `jti` defaults to a fresh UUID (an operator session passes its row's id). */
export async function signToken(purpose: Purpose, claims: Omit<SignedClaims, "jti"> & { jti?: string }): Promise<string> {
  return new SignJWT({ tid: claims.tenant, mfa: claims.mfa ?? false })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setAudience(purpose)
    .setJti(claims.jti ?? crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${lifetimes[purpose]}s`)
    .sign(derivedKey(purpose));
}

/** The claims, or null when the token is bad, expired, for another purpose or another tenant. */
export async function verifyToken(purpose: Purpose, token: string, tenant: string): Promise<SignedClaims | null> {
  try {
    const { payload } = await jwtVerify(token, derivedKey(purpose), { audience: purpose, algorithms: ["HS256"] });
    if (payload.tid !== tenant || !payload.sub || !payload.jti) return null;
    return { tenant, userId: payload.sub, jti: payload.jti, mfa: payload.mfa === true };
  } catch {
    return null;
  }
}
