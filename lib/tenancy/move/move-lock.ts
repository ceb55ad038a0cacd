// The live half of the move lock: an advisory lock per tenant, held by a transaction that
// the moving process keeps open on a connection to the platform cluster for the whole
// move. A second move of the same tenant is refused at once; a killed mover's connection
// closes, its transaction ends and frees the lock, so a rerun can tell a running move
// from a dead one (the persisted half is tenant_moves' one-unfinished-move index).
// Transaction-level, like the migration runner's lock: behind PgBouncer's transaction
// pooling an open transaction keeps its server connection, a session lock would not. The
// transaction only reads (no xid), so it holds back neither vacuum nor the audit sealer.
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";

// Arbitrary constant: "tenant moves" (the first key of the two-key advisory lock).
const MOVE_LOCK_CLASS = 1_414_743_126;

export interface MoveLock {
  release(): Promise<void>;
}

export async function takeMoveLock(pool: pg.Pool, slug: string): Promise<MoveLock> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1::int, hashtext($2)) AS ok", [MOVE_LOCK_CLASS, slug]);
    if (!rows[0]?.ok) throw new AppError("conflict", `Another move of tenant "${slug}" is running right now; wait for it to finish.`);
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release();
    throw err;
  }
  return {
    async release() {
      const ended = await client.query("COMMIT").then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
      // A connection that failed is not given back to the pool.
      client.release(ended);
    },
  };
}
