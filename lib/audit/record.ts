// Explicit audit events (sign-ins, token use, integration calls, exports): the one
// `record` call. Row changes of tenant tables are recorded by database triggers in
// the same transaction (see withAudit); this is for what is not a row change.
import type pg from "pg";
import { z } from "zod";
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { auditTables, type AuditLogRef } from "./audit-table";
import type { AuditContext } from "./context";
import { redact } from "./redact";

export const auditEventSchema = z.object({
  action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "must look like entity.verb, e.g. auth.sign_in_failed"),
  targetType: z.string().max(100).optional(),
  targetId: z.string().max(200).optional(),
  summary: z.string().min(1).max(1000),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type AuditEvent = z.input<typeof auditEventSchema>;

/** Appends one event inside the caller's transaction; returns its seq (sealed into the chain shortly after commit). */
export async function record(tx: Prisma.TransactionClient, ctx: AuditContext, raw: AuditEvent): Promise<bigint> {
  const event = parseOrThrow(auditEventSchema, raw, "audit event");
  const row = await tx.auditLog.create({
    data: {
      actorType: ctx.actorType,
      actorId: ctx.actorId ?? null,
      actorLabel: ctx.actorLabel ?? null,
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      summary: event.summary,
      metadata: event.metadata ? (redact(event.metadata) as Prisma.InputJsonValue) : undefined,
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
    },
    select: { seq: true },
  });
  return row.seq;
}

/**
 * One event in a transaction of its own, as one INSERT on the shared pool. Same row as
 * record(); plain SQL because this is the hot append path (sign-ins, token use) and a
 * Prisma create costs about half a millisecond of CPU per row, which capped appends at
 * a core's worth of Prisma. The table is schema-qualified from the validated slug.
 */
export async function recordOnPool(pool: Pick<pg.Pool, "query">, slug: AuditLogRef, ctx: AuditContext, raw: AuditEvent): Promise<bigint> {
  const event = parseOrThrow(auditEventSchema, raw, "audit event");
  const { rows } = await pool.query<{ seq: string }>(
    `INSERT INTO ${auditTables(slug).log}
       ("actor_type", "actor_id", "actor_label", "action", "target_type", "target_id", "summary", "metadata", "request_id", "ip", "user_agent")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11) RETURNING "seq"::text AS seq`,
    [
      ctx.actorType,
      ctx.actorId ?? null,
      ctx.actorLabel ?? null,
      event.action,
      event.targetType ?? null,
      event.targetId ?? null,
      event.summary,
      event.metadata ? JSON.stringify(redact(event.metadata)) : null,
      ctx.requestId ?? null,
      ctx.ip ?? null,
      ctx.userAgent ?? null,
    ],
  );
  return BigInt(rows[0]!.seq);
}
