// Marks acknowledged inbox rows as dispatched, coalesced per tenant: the rows of every
// caller whose send went out in the same engine request (they all resume together)
// are marked by one statement, the tenant schema's webhook_mark_dispatched function
// (audit context set inside, one round trip, autocommit). Only the generation that was
// sent is marked: a replay that raced the send stays undispatched.
import { auditContextParam, systemContext } from "@/lib/audit/context";
import { LRUCache } from "lru-cache";
import { coalescer, type Coalescer } from "@/lib/async/coalescer";
import { retryOnConnectionLoss } from "@/lib/db/connection-retry";
import { quoteIdent } from "@/lib/db/identifier";
import { tenantPool } from "@/lib/db/tenant-pool";
import { schemaNameFor } from "@/lib/tenancy/slug";

interface Ref {
  id: string;
  generation: number;
}

const context = auditContextParam(systemContext("inbox dispatch"));
const globalForMarks = globalThis as unknown as { __inboxMarks?: LRUCache<string, Coalescer<Ref>> };

async function markNow(slug: string, rows: Ref[]): Promise<void> {
  const fn = `${quoteIdent(schemaNameFor(slug))}.webhook_mark_dispatched`;
  // Idempotent (only rows still undispatched, of the generation sent): retried once on a lost connection.
  await retryOnConnectionLoss(async () =>
    (await tenantPool(slug)).query(`SELECT ${fn}($1, $2::uuid[], $3::integer[])`, [context, rows.map((r) => r.id), rows.map((r) => r.generation)]),
  );
}

function marksOf(slug: string): Coalescer<Ref> {
  // Bounded, so thousands of tenants do not keep a coalescer each; an evicted one still
  // flushes what it holds (its timer keeps it), and the next call makes a new one.
  const all = (globalForMarks.__inboxMarks ??= new LRUCache({ max: 1_000 }));
  let c = all.get(slug);
  if (!c) {
    // delayMs 0: the callers of one engine request resume in the same turn of the event loop.
    c = coalescer<Ref>({ delayMs: 0, maxItems: 1_000, flush: (rows) => markNow(slug, rows) });
    all.set(slug, c);
  }
  return c;
}

export function markDispatched(slug: string, rows: readonly Ref[]): Promise<void> {
  return marksOf(slug).add(rows.map((r) => ({ id: r.id, generation: r.generation })));
}
