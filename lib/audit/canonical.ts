// The canonical text of an audit row and its hash: the same definition as the SQL
// function audit_canonical() in the tenant migration, so that a chain can be verified
// in the database, by this code, or offline from an export. Each field is written as
// <UTF-8 byte length>:<value>, or ~ for NULL, joined with |.
import { createHash } from "node:crypto";

/** The fields of an audit row exactly as they were hashed (all text). */
export interface HashedFields {
  seq: string;
  occurredAt: string; // YYYY-MM-DDTHH:MM:SS.ffffffZ
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: string;
  changes: string | null; // PostgreSQL's jsonb text
  metadata: string | null; // PostgreSQL's jsonb text
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  prevHash: string | null; // NULL only while the row is not sealed (and then not hashed)
}

const order: (keyof HashedFields)[] = [
  "seq",
  "occurredAt",
  "actorType",
  "actorId",
  "actorLabel",
  "action",
  "targetType",
  "targetId",
  "summary",
  "changes",
  "metadata",
  "requestId",
  "ip",
  "userAgent",
  "prevHash",
];

function field(value: string | null): string {
  return value === null ? "~" : `${Buffer.byteLength(value, "utf8")}:${value}`;
}

export function canonicalText(row: HashedFields): string {
  return order.map((k) => field(row[k])).join("|");
}

export function rowHash(row: HashedFields): string {
  return createHash("sha256").update(canonicalText(row), "utf8").digest("hex");
}

export const GENESIS_HASH = "0".repeat(64);
