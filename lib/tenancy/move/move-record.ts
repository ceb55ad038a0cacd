// public.tenant_moves: every move, its steps with their figures, and its state, which a
// rerun reads to resume or clean up a move that was killed (see the platform migration
// tenant_moves). Written on the platform cluster, one statement per step.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { AppError } from "@/lib/errors/app-error";

export type MoveState = "copying" | "holding" | "switched" | "done" | "failed";

export interface MoveRecord {
  id: string;
  tenantId: string;
  slug: string;
  sourceCluster: string;
  targetCluster: string;
  state: MoveState;
  targetCreated: boolean;
  steps: { step: string; at: string; [figure: string]: unknown }[];
  error: string | null;
  holdMs: number | null;
}

interface Row {
  id: string;
  tenant_id: string;
  slug: string;
  source_cluster: string;
  target_cluster: string;
  state: MoveState;
  target_created: boolean;
  steps: MoveRecord["steps"];
  error: string | null;
  hold_ms: number | null;
}

const columns = "id, tenant_id, slug, source_cluster, target_cluster, state, target_created, steps, error, hold_ms";

function toRecord(r: Row): MoveRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    slug: r.slug,
    sourceCluster: r.source_cluster,
    targetCluster: r.target_cluster,
    state: r.state,
    targetCreated: r.target_created,
    steps: r.steps,
    error: r.error,
    holdMs: r.hold_ms,
  };
}

export async function unfinishedMove(db: pg.ClientBase | pg.Pool, tenantId: string): Promise<MoveRecord | null> {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM public.tenant_moves WHERE tenant_id = $1 AND state IN ('copying', 'holding', 'switched')`, [
    tenantId,
  ]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function startMoveRecord(
  db: pg.ClientBase | pg.Pool,
  input: { tenantId: string; slug: string; source: string; target: string; startedBy: string },
): Promise<MoveRecord> {
  try {
    const { rows } = await db.query<Row>(
      `INSERT INTO public.tenant_moves (id, tenant_id, slug, source_cluster, target_cluster, state, steps, started_by)
       VALUES ($1, $2, $3, $4, $5, 'copying', jsonb_build_array(jsonb_build_object('step', 'started', 'at', now())), $6)
       RETURNING ${columns}`,
      [randomUUID(), input.tenantId, input.slug, input.source, input.target, input.startedBy],
    );
    return toRecord(rows[0]!);
  } catch (err) {
    if ((err as { code?: string }).code === "23505") throw new AppError("conflict", `Another move of tenant "${input.slug}" is already under way.`);
    throw err;
  }
}

/** Appends a step (with its figures) and, optionally, changes fields, in one statement. */
export async function recordStep(
  db: pg.ClientBase | pg.Pool,
  id: string,
  step: string,
  figures: Record<string, unknown> = {},
  change: { state?: MoveState; targetCreated?: boolean; error?: string; holdMs?: number; finished?: boolean } = {},
): Promise<void> {
  await db.query(
    `UPDATE public.tenant_moves
        SET steps = steps || jsonb_build_array(jsonb_build_object('step', $2::text, 'at', now()) || $3::jsonb),
            state = coalesce($4, state),
            target_created = coalesce($5, target_created),
            error = coalesce($6, error),
            hold_ms = coalesce($7, hold_ms),
            finished_at = CASE WHEN $8 THEN now() ELSE finished_at END,
            updated_at = now()
      WHERE id = $1`,
    [
      id,
      step,
      JSON.stringify(figures),
      change.state ?? null,
      change.targetCreated ?? null,
      change.error ?? null,
      change.holdMs ?? null,
      change.finished ?? false,
    ],
  );
}

export async function listMoves(db: pg.ClientBase | pg.Pool, slug: string): Promise<MoveRecord[]> {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM public.tenant_moves WHERE slug = $1 ORDER BY started_at`, [slug]);
  return rows.map(toRecord);
}
