// Synced records are keyed by (integration, external id). An upsert writes only when
// the data changed (jsonb's own canonical text, hashed in SQL: key order and spacing do
// not count), so replaying an event or rerunning a sync leaves the table, and the audit
// trail, untouched.
import type { Prisma } from "@/lib/db/generated/tenant/client";
import { quoteIdent } from "@/lib/db/identifier";
import { schemaNameFor } from "@/lib/tenancy/slug";

export type UpsertOutcome = "created" | "updated" | "unchanged";

export const maxExternalIdLength = 255;

export async function upsertRecord(
  tx: Prisma.TransactionClient,
  slug: string,
  row: { integrationId: string; externalId: string; data: unknown; source: "sync" | "webhook" },
): Promise<UpsertOutcome> {
  const json = JSON.stringify(row.data ?? null);
  const result = await tx.$queryRawUnsafe<{ inserted: boolean }[]>(
    `INSERT INTO ${quoteIdent(schemaNameFor(slug))}.synced_records AS r (id, integration_id, external_id, source, data, data_sha256, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4::jsonb, encode(sha256(convert_to($4::jsonb::text, 'UTF8')), 'hex'), now())
     ON CONFLICT (integration_id, external_id) DO UPDATE
       SET data = EXCLUDED.data, data_sha256 = EXCLUDED.data_sha256, source = EXCLUDED.source, updated_at = now()
       WHERE r.data_sha256 <> EXCLUDED.data_sha256
     RETURNING (xmax = 0) AS inserted`,
    row.integrationId,
    row.externalId,
    row.source,
    json,
  );
  if (!result[0]) return "unchanged";
  return result[0].inserted ? "created" : "updated";
}
