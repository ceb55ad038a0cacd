// Retention: audit rows older than the tenant's auditRetentionDays are first written to
// a sealed archive (JSON Lines with a closing seal line: row count, last seq and hash,
// SHA-256 of the rows), then removed in one transaction that records an anchor (the
// last removed row's seq and hash). Verification starts from the newest anchor, so the
// chain stays verifiable from the retained point, and the archive verifies offline.
// Only sealed rows are archived and removed (the database refuses to delete others).
import { mkdir, open, rename } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { withPgTransaction } from "@/lib/db/transaction";
import { auditTables } from "./audit-table";
import { streamRows } from "./read-rows";
import { SealBuilder, type Seal } from "./seal";
import { sealNow } from "./seal-chain";
import { markAuditDirty } from "./sealer-loop";

export interface PurgeResult {
  purged: number;
  throughSeq: string | null;
  archive: string | null;
}

export interface PurgeOptions {
  retentionDays: number;
  archiveDir: string;
  now?: Date;
}

export async function purgeExpiredAuditRows(pool: pg.Pool, slug: string, options: PurgeOptions): Promise<PurgeResult> {
  const t = auditTables(slug);
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.retentionDays * 86_400_000);
  await sealNow(slug, { pool, timeoutMs: 2_000 }); // rows past the cutoff are normally sealed long since
  const bounds = await pool.query<{ through: string | null; after: string }>(
    // Only sealed rows (up to the chain head): unsealed ones belong to no archive yet.
    `SELECT (SELECT max("seq")::text FROM ${t.log}
              WHERE "occurred_at" < $1 AND "seq" <= (SELECT "seq" FROM ${t.head} WHERE "id" = 1)) AS through,
            coalesce((SELECT max("seq") FROM ${t.anchor}), 0)::text AS after`,
    [cutoff],
  );
  const through = bounds.rows[0]?.through ?? null;
  const after = BigInt(bounds.rows[0]?.after ?? "0");
  if (!through) return { purged: 0, throughSeq: null, archive: null };

  // 1. The sealed archive, written completely (and renamed into place) before anything is removed.
  const dir = path.join(options.archiveDir, slug);
  await mkdir(dir, { recursive: true });
  const name = `audit-${after + 1n}-${through}.jsonl`;
  const sealer = new SealBuilder();
  const tmp = path.join(dir, `${name}.partial`);
  const file = await open(tmp, "w");
  let seal: Seal;
  try {
    for await (const row of streamRows(pool, slug, { afterSeq: after, throughSeq: BigInt(through) })) {
      await file.write(sealer.line(row));
    }
    seal = sealer.seal(slug);
    await file.write(`${JSON.stringify({ seal })}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path.join(dir, name));

  // 2. Anchor, removal and the record of the purge, all or nothing.
  await withPgTransaction(pool, async (client) => {
    await client.query("SELECT set_config('audit.purge_through_seq', $1, true)", [through]);
    await client.query(`INSERT INTO ${t.anchor} ("seq", "hash", "rows", "archive_name", "archive_sha256") VALUES ($1, $2, $3, $4, $5)`, [
      through,
      seal.lastHash,
      seal.rows,
      name,
      seal.sha256,
    ]);
    await client.query(`DELETE FROM ${t.log} WHERE "seq" <= $1`, [through]);
    await client.query(
      `INSERT INTO ${t.log} ("actor_type", "actor_label", "action", "summary", "metadata") VALUES ('system', 'audit retention', 'audit.retention_purged', $1, $2)`,
      [
        `${seal.rows} audit rows older than ${options.retentionDays} days archived to ${name} and removed`,
        JSON.stringify({ rows: seal.rows, throughSeq: through, archive: name, sha256: seal.sha256 }),
      ],
    );
  });
  markAuditDirty(slug); // the audit.retention_purged row
  return { purged: seal.rows, throughSeq: through, archive: name };
}
