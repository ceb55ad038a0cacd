// The read-only hold of a move's final catch-up, enforced by the source database itself:
// a statement trigger on every table of the tenant schema refuses INSERT, UPDATE, DELETE
// and TRUNCATE with SQLSTATE TMOVE. Reads go on. Creating the triggers takes each
// table's SHARE ROW EXCLUSIVE lock, which waits for every transaction that has written
// the table to finish; so once the triggers are committed, every write to the source has
// ended and any later one fails, whichever instance (or stale placement cache) sends it.
// The request wrapper and the webhook intake answer the refusal with 503 and Retry-After
// (./write-hold-error.ts). The function and triggers live in the tenant schema itself
// (no reach into another schema), and only on the source: the copy never gets them.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { withPgTransaction } from "@/lib/db/transaction";
import { AppError } from "@/lib/errors/app-error";
import { WRITE_HOLD_SQLSTATE } from "./write-hold-error";

const FUNCTION = "tenant_move_write_hold";
const TRIGGER = "tenant_move_write_hold";

/**
 * Writers take a tenant's entity tables, then the audit tables (the row-change triggers
 * append audit rows): the hold locks in that order too, so it seldom waits in a cycle.
 */
function lockOrder(tables: string[]): string[] {
  const audit = ["audit_log", "audit_chain_head", "audit_retention_anchor"];
  return [...tables.filter((t) => !audit.includes(t)).sort(), ...audit.filter((t) => tables.includes(t))];
}

async function installOnce(pool: pg.Pool, schema: string, tables: string[], lockTimeoutMs: number): Promise<void> {
  const s = quoteIdent(schema);
  await withPgTransaction(pool, async (client) => {
    // A writer that keeps a table longer than this makes the move give up, rather than
    // the tenant's other writers queueing behind the hold for as long as it lasts. And
    // where a writer and the hold wait on each other after all, the hold is the one to
    // notice first and step back (it retries); the writer never sees the deadlock.
    await client.query(
      `SELECT set_config('lock_timeout', $1, true),
              CASE WHEN current_setting('is_superuser') = 'on' OR has_parameter_privilege('deadlock_timeout', 'SET')
                   THEN set_config('deadlock_timeout', '50', true) END`,
      [String(Math.floor(lockTimeoutMs))],
    );
    // One round trip: the function, then each table's trigger (its lock) in lock order.
    const statements = [
      `CREATE OR REPLACE FUNCTION ${s}.${quoteIdent(FUNCTION)}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'tenant schema % is being moved to another database cluster: writes are paused for a moment', TG_TABLE_SCHEMA
            USING ERRCODE = '${WRITE_HOLD_SQLSTATE}';
        END;
        $$`,
      ...lockOrder(tables).flatMap((table) => {
        const t = `${s}.${quoteIdent(table)}`;
        return [
          `DROP TRIGGER IF EXISTS ${quoteIdent(TRIGGER)} ON ${t}`,
          `CREATE TRIGGER ${quoteIdent(TRIGGER)} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.${quoteIdent(FUNCTION)}()`,
        ];
      }),
    ];
    await client.query(statements.join(";\n"));
  });
}

export async function installWriteHold(pool: pg.Pool, schema: string, tables: string[], lockTimeoutMs: number): Promise<{ attempts: number }> {
  const deadline = Date.now() + lockTimeoutMs;
  for (let attempts = 1; ; attempts++) {
    try {
      await installOnce(pool, schema, tables, Math.max(50, deadline - Date.now()));
      return { attempts };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "40P01" && Date.now() < deadline) continue; // stepped back from a deadlock: try again
      if (code === "55P03" || code === "40P01") {
        throw new AppError(
          "conflict",
          `A write transaction of the tenant held its tables for over ${lockTimeoutMs} ms, so the read-only hold was not taken; retry the move.`,
        );
      }
      throw err;
    }
  }
}

/** Lifts the hold (the function and, with it, every trigger that calls it). */
export async function removeWriteHold(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP FUNCTION IF EXISTS ${quoteIdent(schema)}.${quoteIdent(FUNCTION)}() CASCADE`);
}

export async function writeHoldInstalled(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query("SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2", [
    schema,
    FUNCTION,
  ]);
  return rows.length > 0;
}
