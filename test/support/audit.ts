// Helpers for the audit trail tests: seeding a tenant's log, tampering with it the way
// a superuser could (triggers off), and reading exports back.
import type pg from "pg";
import type { AuditContext } from "@/lib/audit/context";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { schemaNameFor } from "@/lib/tenancy/slug";

export const userActor: AuditContext = {
  actorType: "user",
  actorId: "u-1",
  actorLabel: "alice@example.test",
  requestId: "req-chain-1",
  ip: "203.0.113.7",
  userAgent: "vitest",
};

/** The quoted, schema-qualified audit_log table of a tenant. */
export function logTable(slug: string): string {
  return `"${schemaNameFor(slug)}".audit_log`;
}

/**
 * Writes `n` audit rows through the platform's own write paths: alternately a user
 * created through withAudit (a row-change row from the trigger) and an explicit event.
 */
export async function seedAuditRows(slug: string, n: number, tag = "seed"): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await withAudit(slug, userActor, (tx) => tx.user.create({ data: { email: `${tag}-${i}-${Date.now()}@audit.test`, name: `${tag} ${i}` } }));
    } else {
      await recordEvent(slug, userActor, { action: "test.event", targetType: "thing", targetId: `${tag}-${i}`, summary: `${tag} event ${i}` });
    }
  }
}

export async function auditCount(client: pg.ClientBase, slug: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${logTable(slug)}`);
  return rows[0]!.n;
}

export async function maxSeq(client: pg.ClientBase, slug: string): Promise<bigint> {
  const { rows } = await client.query<{ m: string | null }>(`SELECT max(seq)::text AS m FROM ${logTable(slug)}`);
  return BigInt(rows[0]!.m ?? "0");
}

/**
 * Runs one statement as a superuser with every trigger off (session_replication_role =
 * replica), i.e. the way someone with database access could edit the log; resets the
 * role afterwards. Returns the number of rows the statement touched.
 */
export async function tamper(client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<number> {
  await client.query("SET session_replication_role = replica");
  try {
    return (await client.query(sql, params)).rowCount ?? 0;
  } finally {
    await client.query("RESET session_replication_role");
  }
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The database's clock (rows take their occurred_at from it, not from ours). */
export async function dbNow(client: pg.ClientBase): Promise<Date> {
  const { rows } = await client.query<{ now: Date }>("SELECT clock_timestamp() AS now");
  return rows[0]!.now;
}

/** One parsed CSV cell: its text, and whether it was quoted (NULL is an unquoted empty cell). */
export interface CsvCell {
  value: string;
  quoted: boolean;
}

/** A strict RFC 4180 parser (CRLF records, quoted cells may hold quotes, commas and newlines). */
export function parseCsv(text: string): CsvCell[][] {
  const records: CsvCell[][] = [];
  let record: CsvCell[] = [];
  let i = 0;
  const fail = (why: string) => {
    throw new Error(`bad CSV at offset ${i}: ${why}`);
  };
  while (i < text.length) {
    let cell: CsvCell;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) fail("unterminated quoted cell");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else value += text[i++];
      }
      cell = { value, quoted: true };
    } else {
      let value = "";
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') fail("quote in an unquoted cell");
        value += text[i++];
      }
      cell = { value, quoted: false };
    }
    record.push(cell);
    if (text[i] === ",") i++;
    else if (text.startsWith("\r\n", i)) {
      i += 2;
      records.push(record);
      record = [];
    } else fail(`expected , or CRLF, got ${JSON.stringify(text[i])}`);
  }
  if (record.length) fail("last record not terminated by CRLF");
  return records;
}

/** CSV cell -> the value it stands for: unquoted empty is NULL. */
export function csvValue(cell: CsvCell): string | null {
  if (!cell.quoted && cell.value === "") return null;
  return cell.value;
}
