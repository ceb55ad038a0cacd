// next-auth v5 for the browser: Credentials with the JWT session strategy. The
// password and second factor are checked by our own code first (lib/auth/authenticate
// .ts, shared with the token endpoint); the Credentials provider only redeems the
// one-time sign-in ticket that code issues, and opens the server-side session record
// whose id the cookie's JWT carries. Cookies are host-only, so each tenant's host has
// its own, and the JWT names its tenant: a cookie never works on another tenant.
import NextAuth, { type NextAuthResult } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { withAudit } from "@/lib/audit/with-audit";
import { serverEnv } from "@/lib/env";
import { requestMeta } from "@/lib/http/request-meta";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { tenantFromHeaders } from "@/lib/tenancy/tenant-from-headers";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import { tenantDb } from "@/lib/db/tenant-client";
import { recordSignIn, signedInContext } from "./authenticate";
import type { Role } from "./permissions";
import { createSession, sessionLifetimeMs } from "./sessions";
import { verifyToken } from "./signed-tokens";
import { log } from "@/lib/observability/logger";

declare module "next-auth" {
  interface User {
    sid?: string;
    tid?: string;
  }
}

function secureCookies(): boolean {
  const env = serverEnv();
  return env.AUTH_SECURE_COOKIES ?? env.NODE_ENV === "production";
}

function build(): NextAuthResult {
  const secure = secureCookies();
  return NextAuth({
    secret: serverEnv().AUTH_SECRET,
    trustHost: true,
    useSecureCookies: secure,
    session: { strategy: "jwt", maxAge: sessionLifetimeMs.browser / 1000 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    cookies: {
      sessionToken: {
        name: `${secure ? "__Secure-" : ""}platform.session`,
        options: { httpOnly: true, sameSite: "lax", path: "/", secure },
      },
    },
    providers: [
      Credentials({
        credentials: { ticket: {} },
        async authorize(credentials, request) {
          const tenant = await tenantFromHeaders(request.headers);
          if (!tenant || typeof credentials.ticket !== "string") return null;
          const ticket = await verifyToken("sign-in-ticket", credentials.ticket, tenant.slug);
          if (!ticket) return null;
          const meta = requestMeta(request.headers, request.headers.get(internalHeaders.requestId) ?? undefined);
          const found = await tenantDb(tenant.slug).user.findUnique({
            where: { id: ticket.userId },
            select: { id: true, email: true, role: true, status: true, mfaEnabledAt: true },
          });
          if (!found || found.status !== "active") return null;
          const user = { id: found.id, email: found.email, role: found.role as Role, mfaEnabled: found.mfaEnabledAt !== null };
          const lifetimeHours = (await getTenantSettings(tenant.slug)).sessionLifetimeHours;
          // One transaction: the session, the lockout reset and the audit event. The
          // ticket's id becomes the session's id, so a ticket redeemed twice fails on the key.
          const opened = await withAudit(tenant.slug, signedInContext(user, meta), async (tx, audit) => {
            const session = await createSession(tx, { id: ticket.jti, userId: user.id, kind: "browser", meta, lifetimeMs: lifetimeHours * 3_600_000 });
            await recordSignIn(tx, audit, user, "browser");
            return { user, sessionId: session.id };
          }).catch((err: unknown) => {
            // A replayed ticket lands here too (duplicate session id); never log the ticket.
            log().warn(
              { component: "auth", tenant: tenant.slug, reason: err instanceof Error ? err.message.split("\n")[0] : "error" },
              "sign-in ticket not redeemed",
            );
            return null;
          });
          if (!opened) return null;
          return { id: opened.user.id, email: opened.user.email, sid: opened.sessionId, tid: tenant.slug };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sid = user.sid;
          token.tid = user.tid;
        }
        return token;
      },
      session({ session, token }) {
        return Object.assign(session, { sid: token.sid as string | undefined, tid: token.tid as string | undefined, userId: token.sub });
      },
    },
  });
}

// Built lazily: the configuration reads the environment, which must not happen at import (next build).
let instance: NextAuthResult | undefined;
export function nextAuth(): NextAuthResult {
  instance ??= build();
  return instance;
}

/** The cookie session's claims (not yet checked against the database). */
export async function cookieSession(): Promise<{ sid?: string; tid?: string; userId?: string } | null> {
  const session = (await nextAuth().auth()) as unknown as { sid?: string; tid?: string; userId?: string } | null;
  return session;
}
