// Short-lived signed tokens the server hands itself: the MFA challenge between the
// password step and the code step, and the one-time ticket that lets next-auth's
// Credentials provider open a session for a user we already authenticated.
import { jwtVerify, SignJWT } from "jose";
import { derivedKey, type KeyPurpose } from "@/lib/crypto/derived-keys";

type Purpose = Extract<KeyPurpose, "sign-in-ticket" | "mfa-challenge">;
const lifetimes: Record<Purpose, number> = { "sign-in-ticket": 60, "mfa-challenge": 300 };

export interface SignedClaims {
  tenant: string;
  userId: string;
  jti: string;
  /** The second factor was checked (tickets only). */
  mfa?: boolean;
}

export async function signToken(purpose: Purpose, claims: Omit<SignedClaims, "jti">): Promise<string> {
  return new SignJWT({ tid: claims.tenant, mfa: claims.mfa ?? false })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.userId)
    .setAudience(purpose)
    .setJti(crypto.randomUUID())
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
