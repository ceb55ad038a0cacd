// Copies one table of a tenant schema from the source cluster to the target, inside a
// round (./copy-round.ts: a REPEATABLE READ snapshot on the source, one transaction on
// the target with triggers off). Rows travel as JSON text (row_to_json on the source,
// json_populate_recordset on the target), which keeps every value exact: microsecond
// timestamps, jsonb, bytea, arrays; Node never parses them.
//
// What a round copies of a table:
//   - the first round: every row;
//   - later rounds: only rows written since the previous round's snapshot. A row's xmin
//     is the transaction that wrote its current version; every transaction the previous
//     snapshot did not see (and each of its subtransactions) has an id >= that snapshot's
//     xmin, so "xmin >= previous xmin" catches every change (and a few rows again, which
//     the upsert makes harmless). xmin is 32 bits: it is widened with the epoch of the
//     snapshot's next xid (valid for any row written within 2^31 transactions);
//   - rows deleted since: found when the target would hold more rows than the source.
// audit_log is append-only: rows up to the chain's sealed_through never change (a seal
// is their last write), so later rounds scan only above it; rows leave it only by the
// retention purge, from the oldest end, so deletions there are a cut below the source's
// oldest row.
import type pg from "pg";
import { quoteIdent } from "@/lib/db/identifier";
import type { TenantTable } from "./tenant-tables";

export interface RoundWindow {
  /** Copy only rows written by transactions with an id >= this (null: every row). */
  sinceXid: bigint | null;
  /** The snapshot's next xid (pg_snapshot_xmax), to widen 32-bit xmin values. */
  nextXid: bigint;
  /** The previous round's audit sealed_through: audit rows up to it are already on the target as they are for good. */
  auditSealedThrough: bigint | null;
}

const AUDIT_LOG = "audit_log";
const BATCH_ROWS = 2_000;

function bigintLiteral(v: bigint): string {
  return v.toString(); // a bigint prints as digits only: safe to inline
}

function changedFilter(table: TenantTable, w: RoundWindow): string {
  if (w.sinceXid === null) return "TRUE";
  const epochBase = (w.nextXid >> 32n) << 32n;
  const low = w.nextXid & 0xffffffffn;
  const x = `t.xmin::text::bigint`;
  const widened = `(CASE WHEN ${x} <= ${bigintLiteral(low)} THEN ${bigintLiteral(epochBase)} + ${x} ELSE ${bigintLiteral(epochBase - 4294967296n)} + ${x} END)`;
  const audit = table.name === AUDIT_LOG && w.auditSealedThrough !== null ? ` AND t."seq" > ${bigintLiteral(w.auditSealedThrough)}` : "";
  return `${widened} >= ${bigintLiteral(w.sinceXid)}${audit}`;
}

function names(table: TenantTable, schema: string) {
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
  const cols = table.columns.map(quoteIdent).join(", ");
  const keyCols = table.key.map(quoteIdent);
  const keyMatch = (a: string, b: string) => keyCols.map((k) => `${a}.${k} = ${b}.${k}`).join(" AND ");
  return { qualified, cols, keyCols, keyMatch };
}

function upsertSql(table: TenantTable, schema: string): string {
  const { qualified, cols, keyCols } = names(table, schema);
  const rest = table.columns.filter((c) => !table.key.includes(c)).map(quoteIdent);
  const onConflict = rest.length ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}` : "DO NOTHING";
  return `INSERT INTO ${qualified} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${qualified}, $1::json) ON CONFLICT (${keyCols.join(", ")}) ${onConflict}`;
}

/** Reads the rows a round copies, in batches of JSON arrays (text), through a cursor in the source's snapshot. */
async function* changedBatches(source: pg.ClientBase, schema: string, table: TenantTable, w: RoundWindow): AsyncGenerator<{ json: string; rows: number }> {
  const { qualified, cols } = names(table, schema);
  const cursor = quoteIdent(`move_${table.name}`.slice(0, 60));
  await source.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(r)::text AS j FROM (SELECT ${cols} FROM ${qualified} t WHERE ${changedFilter(table, w)}) r`,
  );
  try {
    for (;;) {
      const { rows } = await source.query<{ j: string }>(`FETCH ${BATCH_ROWS} FROM ${cursor}`);
      if (!rows.length) return;
      yield { json: `[${rows.map((r) => r.j).join(",")}]`, rows: rows.length };
      if (rows.length < BATCH_ROWS) return;
    }
  } finally {
    await source.query(`CLOSE ${cursor}`);
  }
}

/** Deletes on the target the rows the source no longer has. */
async function deleteGone(source: pg.ClientBase, target: pg.ClientBase, schema: string, table: TenantTable): Promise<number> {
  const { qualified, keyMatch } = names(table, schema);
  const keys = await source.query<{ j: string }>(
    `SELECT coalesce(json_agg(json_build_object(${table.key.map((k) => `'${k}', t.${quoteIdent(k)}`).join(", ")})), '[]')::text AS j FROM ${qualified} t`,
  );
  const res = await target.query(
    `DELETE FROM ${qualified} x WHERE NOT EXISTS (SELECT 1 FROM json_populate_recordset(NULL::${qualified}, $1::json) j WHERE ${keyMatch("j", "x")})`,
    [keys.rows[0]!.j],
  );
  return res.rowCount ?? 0;
}

/** The first round: every row of one table, streamed through a cursor into the (empty) target table. */
export async function copyWholeTable(
  source: pg.ClientBase,
  target: pg.ClientBase,
  schema: string,
  table: TenantTable,
  w: RoundWindow,
  signal?: AbortSignal,
): Promise<number> {
  const upsert = upsertSql(table, schema);
  let copied = 0;
  for await (const batch of changedBatches(source, schema, table, w)) {
    signal?.throwIfAborted();
    await target.query(upsert, [batch.json]);
    copied += batch.rows;
  }
  return copied;
}

/** A unique value moved from a deleted row to a new one between two rounds: the round is redone deletions first. */
export class DeletionsFirst extends Error {}

/**
 * A later round, for every table at once: one query on the source reads what changed in
 * each table and each table's size, the target takes the upserts, then one query compares
 * sizes. A round is a handful of round trips however many tables there are, so the held
 * round stays short.
 */
export async function copyChanges(
  source: pg.ClientBase,
  target: pg.ClientBase,
  schema: string,
  tables: TenantTable[],
  w: RoundWindow,
  options: { deletionsFirst?: boolean } = {},
): Promise<{ perTable: Record<string, number>; copied: number; deleted: number }> {
  const parts = tables.map((t, i) => {
    const { qualified, cols } = names(t, schema);
    // audit_log: its oldest seq (rows leave only from that end); others: their size.
    const size = t.name === AUDIT_LOG ? `(SELECT min("seq") FROM ${qualified})::text` : `(SELECT count(*) FROM ${qualified})::text`;
    return `SELECT ${i} AS i, ${size} AS n, d.c, d.rows FROM (SELECT count(*)::int AS c, coalesce(json_agg(r), '[]')::text AS rows FROM (SELECT ${cols} FROM ${qualified} t WHERE ${changedFilter(t, w)}) r) d`;
  });
  const { rows } = await source.query<{ i: number; n: string | null; c: number; rows: string }>(parts.join("\nUNION ALL\n"));
  const byTable = new Map(rows.map((r) => [tables[r.i]!.name, r]));
  const perTable: Record<string, number> = {};
  let copied = 0;
  let deleted = 0;

  const audit = byTable.get(AUDIT_LOG);
  if (audit) {
    const qualified = `${quoteIdent(schema)}."audit_log"`;
    const cut =
      audit.n === null ? await target.query(`DELETE FROM ${qualified}`) : await target.query(`DELETE FROM ${qualified} WHERE "seq" < $1::bigint`, [audit.n]);
    deleted += cut.rowCount ?? 0;
  }
  for (const t of tables) {
    const r = byTable.get(t.name)!;
    perTable[t.name] = r.c;
    if (options.deletionsFirst && t.name !== AUDIT_LOG) deleted += await deleteGone(source, target, schema, t);
    if (r.c === 0) continue;
    try {
      await target.query(upsertSql(t, schema), [r.rows]);
    } catch (err) {
      if ((err as { code?: string }).code === "23505" && !options.deletionsFirst) throw new DeletionsFirst(`${t.name}: ${(err as Error).message}`);
      throw err;
    }
    copied += r.c;
  }
  if (!options.deletionsFirst) {
    // After the upserts the target holds the source's rows plus any deleted since the
    // previous round: more rows than the source means deletions.
    const others = tables.filter((t) => t.name !== AUDIT_LOG);
    if (others.length) {
      const counts = await target.query<{ i: number; n: string }>(
        others.map((t, i) => `SELECT ${i} AS i, (SELECT count(*) FROM ${names(t, schema).qualified})::text AS n`).join("\nUNION ALL\n"),
      );
      for (const c of counts.rows) {
        const t = others[c.i]!;
        if (Number(c.n) > Number(byTable.get(t.name)!.n)) deleted += await deleteGone(source, target, schema, t);
      }
    }
  }
  return { perTable, copied, deleted };
}
