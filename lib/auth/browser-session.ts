// Opening a browser session from a one-time sign-in ticket, inside a server action:
// next-auth redeems it and sets the cookie. Used by sign-in and by accepting an
// invitation (which signs the new member in). A live session of another account on
// this browser ends first.
import { AuthError } from "next-auth";
import { AppError } from "@/lib/errors/app-error";
import type { RequestMeta } from "@/lib/http/request-meta";
import type { TenantSettings } from "@/lib/tenancy/settings";
import { principalFromCookie } from "./cookie-principal";
import { nextAuth } from "./next-auth";
import { principalAuditContext } from "./principal";
import { revokeSession } from "./sessions";

export async function openBrowserSession(tenant: { slug: string }, settings: TenantSettings, meta: RequestMeta, ticket: string): Promise<void> {
  const previous = await principalFromCookie(tenant.slug, settings).catch(() => null);
  if (previous) {
    await revokeSession(tenant.slug, previous.id, previous.sessionId, principalAuditContext(previous, meta), "signed in again").catch(() => undefined);
  }
  try {
    // redirect: false: the form navigates (see followRedirect in components/form.tsx).
    await nextAuth().signIn("credentials", { ticket, redirect: false, redirectTo: "/" });
  } catch (err) {
    // A ticket next-auth refused (account deactivated meanwhile, ticket reused).
    if (err instanceof AuthError) throw new AppError("unauthorized", "The sign-in could not be completed; start again with your email and password.");
    throw err;
  }
}
