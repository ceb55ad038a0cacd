// Turns credentials into a principal for one tenant: a Bearer access token or API key
// (the API) here, or the session cookie (pages and server actions, cookie-principal.ts). Every path re-reads
// the session or key from the tenant's own schema, so revocation and role changes
// apply on the next request, and nothing from another tenant can match.
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { looksLikeJwt, verifyAccessToken } from "./access-tokens";
import { authenticateApiKey, looksLikeApiKey } from "./api-keys";
import { adminRoles, permissionsOf, roleSchema } from "./permissions";
import type { Principal, UserPrincipal } from "./principal";
import { liveSession, type LiveSession } from "./sessions";

export function userPrincipal(live: LiveSession, settings: TenantSettings): UserPrincipal {
  const role = roleSchema.parse(live.user.role);
  const mfaEnabled = live.user.mfaEnabledAt !== null;
  return {
    kind: "user",
    id: live.user.id,
    email: live.user.email,
    name: live.user.name,
    role,
    permissions: permissionsOf(role),
    sessionId: live.id,
    mfaEnabled,
    mfaSetupRequired: settings.mfaRequiredForAdmins && adminRoles.includes(role) && !mfaEnabled,
  };
}

const unauthorized = (detail: string) =>
  new AppError("unauthorized", detail, [], { headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' }, reason: "invalid_token" });

/** The principal of an Authorization header; null when there is none; 401 when it is not valid here. */
export async function principalFromBearer(
  tenant: string,
  authorization: string | null,
  meta: RequestMeta,
  settings: TenantSettings,
): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthorized("The Authorization header must be `Bearer <access token or API key>`.");
  const token = match[1]!;
  const ctx = { requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
  if (looksLikeApiKey(token)) {
    const key = await authenticateApiKey(tenant, token, ctx);
    if (!key) throw unauthorized("The API key is not valid for this tenant, or it was revoked or has expired.");
    return key;
  }
  if (looksLikeJwt(token)) {
    const claims = await verifyAccessToken(token, tenant);
    const live = claims ? await liveSession(tenant, claims.sessionId) : null;
    if (!claims || !live || live.user.id !== claims.userId) {
      throw unauthorized("The access token is not valid for this tenant, has expired, or its session was revoked.");
    }
    return userPrincipal(live, settings);
  }
  throw unauthorized("The bearer token is neither an access token nor an API key.");
}
