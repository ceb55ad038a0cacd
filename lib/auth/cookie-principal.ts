// The principal of the browser's session cookie (pages and server actions). Kept apart
// from the Bearer path so API code does not load next-auth.
import type { TenantSettings } from "@/lib/tenancy/settings";
import { cookieSession } from "./next-auth";
import type { UserPrincipal } from "./principal";
import { userPrincipal } from "./resolve-principal";
import { liveSession, withinBrowserLifetime } from "./sessions";

/** The signed-in user of the session cookie on this tenant's host, or null. */
export async function principalFromCookie(tenant: string, settings: TenantSettings): Promise<UserPrincipal | null> {
  const claims = await cookieSession().catch(() => null);
  if (!claims?.sid || claims.tid !== tenant || !claims.userId) return null;
  const live = await liveSession(tenant, claims.sid);
  if (!live || live.user.id !== claims.userId || live.kind !== "browser") return null;
  if (!withinBrowserLifetime(live, settings.sessionLifetimeHours)) return null;
  return userPrincipal(live, settings);
}
