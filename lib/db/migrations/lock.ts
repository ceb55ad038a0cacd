// One advisory lock key guards schema changes. Migration runs take it exclusively
// (session level, for the whole run); tenant creation takes it shared inside its
// transaction, so creates run in parallel with each other but never mid-migration.
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";

// Arbitrary constant: "tenant-platform migrations".
export const MIGRATION_LOCK_KEY = 7_301_215_462;

export async function acquireMigrationLock(client: pg.ClientBase, waitMs: number): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
  if (rows[0]?.ok) return;
  if (waitMs > 0) {
    // lock_timeout bounds the wait for advisory locks too.
    await client.query(`SET lock_timeout = ${Math.floor(waitMs)}`);
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      return;
    } catch {
      // fall through to the error below
    } finally {
      await client.query("SET lock_timeout = 0");
    }
  }
  throw new AppError("conflict", "Another migration run (or a tenant being created) holds the migration lock; try again when it has finished.");
}

export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
}

export async function takeSharedLockInTransaction(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock_shared($1)", [MIGRATION_LOCK_KEY]);
}
