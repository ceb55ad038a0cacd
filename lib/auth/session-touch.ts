// A session's last_seen_at, written off the request path. liveSession queues a touch
// (at most once a minute per session per instance) and does not wait for it. Touches of
// one tenant are written by one statement (session_touch in the tenant schema: the audit
// context set inside, no Prisma transaction, no BEGIN/COMMIT); touches that arrive while
// the tenant's previous call runs go out together with the next one. Before, each touch
// was a Prisma transaction in the request: with thousands of tenants, most requests on a
// cold session paid for one. A touch lost (a crash, a failed call) loses only a "last seen"
// time; the next request a minute later writes it again.
import { auditContextParam, type AuditContext } from "@/lib/audit/context";
import { groupPerKey } from "@/lib/async/group-while-busy";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { log } from "@/lib/observability/logger";
import { schemaNameFor } from "@/lib/tenancy/slug";

interface Touch {
  ctx: string;
  sessionId: string;
  at: Date;
}

const maxPerCall = 500;

const groupOf = groupPerKey<Touch, true>("__sessionTouches", (slug) => {
  const fn = `${quoteIdent(schemaNameFor(slug))}.session_touch`;
  return {
    maxItems: maxPerCall,
    async flush(items) {
      await (
        await tenantPool(slug)
      ).query(`SELECT ${fn}($1::text[], $2::uuid[], $3::timestamptz[])`, [items.map((t) => t.ctx), items.map((t) => t.sessionId), items.map((t) => t.at)]);
      return items.map(() => true as const);
    },
  };
});

/** Queues last_seen_at = at for the session; resolves when written (callers need not wait). */
export function touchSession(slug: string, sessionId: string, at: Date, ctx: AuditContext): Promise<void> {
  return groupOf(slug)
    .submit({ ctx: auditContextParam(ctx), sessionId, at })
    .then(
      () => undefined,
      (err: unknown) => log().warn({ err, component: "auth", tenant: slug }, "session last-seen write failed"),
    );
}
