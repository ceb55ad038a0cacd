// One copy round: every table of the tenant schema as of one source snapshot, written to
// the target in one transaction (all of the round or none). Triggers are off on the
// target while it copies (session_replication_role = replica, transaction-local): the
// audit triggers would re-sequence and re-hash the copied audit rows, the row-change
// triggers would audit the copy itself, and foreign keys are consistent in the snapshot
// already. That setting needs a superuser (or, from PostgreSQL 15, GRANT SET ON
// PARAMETER) on the target: the role of the cluster's URL, as for migrations.
// The final round (source held read-only) also carries the sequences over and marks
// the chain head's pending seal point final (see below).
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import { copyChanges, copyWholeTable, DeletionsFirst, type RoundWindow } from "./copy-table";
import type { TenantTable } from "./tenant-tables";

export interface RoundStart {
  sinceXid: bigint;
  auditSealedThrough: bigint | null;
}

export interface RoundResult {
  /** Where the next round starts. */
  next: RoundStart;
  copied: number;
  deleted: number;
  perTable: Record<string, number>;
  ms: number;
}

export interface RoundOptions {
  source: pg.Pool;
  target: pg.Pool;
  schema: string;
  tables: TenantTable[];
  /** null: the first, full round. */
  from: RoundStart | null;
  /** The source is held read-only: carry sequences and the seal point over too. */
  final: boolean;
  signal?: AbortSignal;
}

async function copySequences(source: pg.ClientBase, target: pg.ClientBase, schema: string): Promise<void> {
  const { rows } = await source.query<{ name: string; last: string | null; start: string }>(
    "SELECT sequencename::text AS name, last_value::text AS last, start_value::text AS start FROM pg_sequences WHERE schemaname = $1",
    [schema],
  );
  if (!rows.length) return;
  // last_value NULL: nothing drawn yet, the next nextval returns the start value.
  await target.query("SELECT setval(v.seq::regclass, v.value, v.called) FROM unnest($1::text[], $2::bigint[], $3::boolean[]) AS v(seq, value, called)", [
    rows.map((s) => `${quoteIdent(schema)}.${quoteIdent(s.name)}`),
    rows.map((s) => s.last ?? s.start),
    rows.map((s) => s.last !== null),
  ]);
}

export async function copyRound(options: RoundOptions): Promise<RoundResult> {
  const started = performance.now();
  const { schema } = options;
  const src = await options.source.connect();
  let tgt: pg.PoolClient | undefined;
  try {
    await src.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // The first statement takes the snapshot every table is read in.
    const snap = await src.query<{ xmin: string; xmax: string }>(
      "SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax FROM pg_current_snapshot() s",
    );
    const head = await src.query<{ sealed: string }>(`SELECT "sealed_through"::text AS sealed FROM ${quoteIdent(schema)}."audit_chain_head" WHERE "id" = 1`);
    const window: RoundWindow = {
      sinceXid: options.from?.sinceXid ?? null,
      nextXid: BigInt(snap.rows[0]!.xmax),
      auditSealedThrough: options.from?.auditSealedThrough ?? null,
    };
    tgt = await options.target.connect();
    const begin = () => tgt!.query("BEGIN; SET LOCAL session_replication_role = replica");
    await begin();
    let perTable: Record<string, number> = {};
    let copied = 0;
    let deleted = 0;
    if (window.sinceXid === null) {
      for (const table of options.tables) {
        options.signal?.throwIfAborted();
        perTable[table.name] = await copyWholeTable(src, tgt, schema, table, window, options.signal);
        copied += perTable[table.name]!;
      }
    } else {
      let changes;
      try {
        changes = await copyChanges(src, tgt, schema, options.tables, window);
      } catch (err) {
        if (!(err instanceof DeletionsFirst)) throw err;
        await tgt.query("ROLLBACK");
        await begin();
        changes = await copyChanges(src, tgt, schema, options.tables, window, { deletionsFirst: true });
      }
      ({ perTable, copied, deleted } = changes);
    }
    if (options.final) {
      await copySequences(src, tgt, schema);
      // pending_xid is a transaction id of the SOURCE cluster: meaningless on the target.
      // The source is held, so every seq drawn there is final (committed or a gap for
      // good): 0 marks the pending seal point as known final (see audit_seal).
      await tgt.query(`UPDATE ${quoteIdent(schema)}."audit_chain_head" SET "pending_xid" = 0 WHERE "pending_seq" IS NOT NULL`);
    }
    await tgt.query("COMMIT");
    await src.query("COMMIT");
    const sealed = head.rows[0]?.sealed;
    return {
      next: { sinceXid: BigInt(snap.rows[0]!.xmin), auditSealedThrough: sealed === undefined ? null : BigInt(sealed) },
      copied,
      deleted,
      perTable,
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    await tgt?.query("ROLLBACK").catch(() => undefined);
    await src.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    tgt?.release();
    src.release();
  }
}
