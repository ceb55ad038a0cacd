// The live half of the move lock: a session advisory lock per tenant on a connection to
// the platform cluster that the moving process holds for the whole move. A second move
// of the same tenant is refused at once; a killed mover's connection closes and frees
// the lock, so a rerun can tell a running move from a dead one (the persisted half is
// tenant_moves' one-unfinished-move index). The CLI connects to PostgreSQL directly, as
// the migration runner does (its lock is a session lock too), never through a
// transaction-mode pooler.
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
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok", [MOVE_LOCK_CLASS, slug]);
    if (!rows[0]?.ok) throw new AppError("conflict", `Another move of tenant "${slug}" is running right now; wait for it to finish.`);
  } catch (err) {
    client.release();
    throw err;
  }
  return {
    async release() {
      await client.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [MOVE_LOCK_CLASS, slug]).catch(() => undefined);
      client.release();
    },
  };
}
