-- hand-written: the record of every tenant move (npm run tenants -- move), and its
-- persisted state, so a killed move can be resumed or cleaned up by a rerun.
-- Raw SQL only (lib/tenancy/move/move-record.ts): no Prisma model uses it.
--   copying   the target copy is being built; the tenant is served, writable, by its source
--   holding   the source refuses writes (hold triggers); the final catch-up runs
--   switched  placement points at the target (committed with this state, one transaction);
--             the source copy is still there until the target's chain is verified
--   done      the source copy is dropped
--   failed    ended without moving (cleaned up) or, after the switch, verification failed
CREATE TABLE "tenant_moves" (
  "id" UUID NOT NULL,
  "tenant_id" UUID NOT NULL,
  "slug" TEXT NOT NULL,
  "source_cluster" TEXT NOT NULL,
  "target_cluster" TEXT NOT NULL,
  "state" TEXT NOT NULL,
  -- The target schema may exist (set before it is created): a cleanup drops it.
  "target_created" BOOLEAN NOT NULL DEFAULT false,
  -- [{ "step": "...", "at": "...", ...figures }], appended as the move goes.
  "steps" JSONB NOT NULL DEFAULT '[]',
  "error" TEXT,
  "hold_ms" INTEGER,
  "started_by" TEXT,
  "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "finished_at" TIMESTAMPTZ(3),

  CONSTRAINT "tenant_moves_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "tenant_moves_state_check" CHECK ("state" IN ('copying', 'holding', 'switched', 'done', 'failed'))
);

-- At most one unfinished move per tenant: the persisted half of the move lock (the live
-- half is an advisory lock held by the running process).
CREATE UNIQUE INDEX "tenant_moves_one_unfinished_idx" ON "tenant_moves" ("tenant_id") WHERE "state" IN ('copying', 'holding', 'switched');
CREATE INDEX "tenant_moves_slug_started_at_idx" ON "tenant_moves" ("slug", "started_at" DESC);
