// One advisory lock key per cluster guards schema changes. Migration runs take it
// exclusively for the whole run; tenant creation takes it shared inside its transaction,
// so creates run in parallel with each other but never mid-migration.
//
// The run's lock is transaction-level, held by a transaction that stays open for the run
// on a connection of its own: behind PgBouncer's transaction pooling that transaction
// keeps its server connection, whereas a session-level lock would stay behind on a server
// connection that other clients then get. The lock transaction only reads (no xid), so
// it holds back neither vacuum nor the audit sealer; everything the run writes commits
// in transactions of their own.
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";

// Arbitrary constant: "tenant-platform migrations".
export const MIGRATION_LOCK_KEY = 7_301_215_462;

/** BEGINs on `client` and takes the lock in that transaction; releaseMigrationLock ends it. */
export async function acquireMigrationLock(client: pg.ClientBase, waitMs: number): Promise<void> {
  await client.query("BEGIN");
  try {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
    if (rows[0]?.ok) return;
    if (waitMs > 0) {
      // lock_timeout bounds the wait for advisory locks too.
      await client.query(`SET LOCAL lock_timeout = ${Math.floor(waitMs)}`);
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== "55P03") throw err; // lock_not_available
      }
    }
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
  await client.query("ROLLBACK");
  throw new AppError("conflict", "Another migration run (or a tenant being created) holds the migration lock; try again when it has finished.");
}

export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await client.query("COMMIT");
}

export async function takeSharedLockInTransaction(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock_shared($1)", [MIGRATION_LOCK_KEY]);
}
