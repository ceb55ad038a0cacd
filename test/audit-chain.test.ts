// The hash chain: intact logs verify, every kind of tampering (done as a superuser with
// the triggers off) is found and located, the CLI reports it with the right exit code,
// the TypeScript canonical form is the SQL one, and concurrent writers never fork the
// chain.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalText, GENESIS_HASH, rowHash, type HashedFields } from "@/lib/audit/canonical";
import { streamRows } from "@/lib/audit/read-rows";
import { verifyChain } from "@/lib/audit/verify-chain";
import { sealNow } from "@/lib/audit/seal-chain";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { auditCount, collect, logTable, maxSeq, seedAuditRows, tamper, userActor } from "./support/audit";
import { runScript } from "./support/cli";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const created: string[] = [];
let raw: pg.Client;

/**
 * A fresh tenant (with its owner's user.created row) and `rows` more audit rows, all
 * sealed: the chain protects sealed rows, so tampering happens after the seal.
 */
async function tenantWithRows(prefix: string, rows: number): Promise<string> {
  const slug = uniqueSlug(prefix);
  created.push(slug);
  await createTenant({ slug, name: `Chain ${prefix}`, ownerEmail: `owner@${prefix}.test` });
  await seedAuditRows(slug, rows, prefix);
  expect((await sealNow(slug)).complete).toBe(true);
  return slug;
}

beforeAll(async () => {
  raw = await rawClient();
});

afterAll(async () => {
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
});

describe("verifyChain on an intact log", () => {
  it("is ok on a fresh tenant with row changes and explicit events, and checks every row", async () => {
    const slug = await tenantWithRows("ok", 9);
    await withAudit(slug, userActor, async (tx, audit) => {
      await tx.organization.create({ data: { name: "Org in a multi-row transaction" } });
      await audit.record({ action: "org.noted", summary: "second row of the same transaction" });
    });
    const total = await auditCount(raw, slug);
    expect(total).toBe(2 + 9 + 2); // owner + their invitation, 9 rows, 2 in the last transaction
    const report = await verifyChain(getPool(), slug);
    expect(report).toEqual({ ok: true, rowsChecked: total, startedAfterSeq: "0", lastSeq: String(total), unsealed: 0 });
    // The first row links to the genesis hash, and the chain head is the last row.
    const first = await raw.query(`SELECT prev_hash FROM ${logTable(slug)} WHERE seq = 1`);
    expect(first.rows[0].prev_hash).toBe(GENESIS_HASH);
    const head = await raw.query(`SELECT seq::text AS seq, hash FROM "${schemaNameFor(slug)}".audit_chain_head WHERE id = 1`);
    const last = await raw.query(`SELECT seq::text AS seq, hash FROM ${logTable(slug)} WHERE seq = $1`, [String(total)]);
    expect(head.rows).toEqual(last.rows);
  });

  it("is ok on a tenant whose log holds only the owner's rows (user and invitation, from genesis)", async () => {
    const slug = await tenantWithRows("one", 0);
    expect(await verifyChain(getPool(), slug)).toMatchObject({ ok: true, rowsChecked: 2, lastSeq: "2" });
  });
});

describe("tampering as a superuser (triggers off) is found", () => {
  it("an edited row: firstBroken is that row, as changed", async () => {
    const slug = await tenantWithRows("edit", 8);
    expect(await tamper(raw, `UPDATE ${logTable(slug)} SET summary = summary || ' (edited)' WHERE seq = 5`)).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe("5");
    expect(report.firstBroken?.problem).toMatch(/changed/);
    expect(report.rowsChecked).toBe(4);
    expect(report.lastSeq).toBe("4");
  });

  it("an edited row whose hash was recomputed: the next row no longer links to it", async () => {
    const slug = await tenantWithRows("rehash", 8);
    const schema = schemaNameFor(slug);
    expect(await tamper(raw, `UPDATE ${logTable(slug)} SET summary = 'nothing happened here' WHERE seq = 4`)).toBe(1);
    const rehash = `UPDATE ${logTable(slug)} a SET hash = encode(sha256(convert_to("${schema}".audit_canonical(a), 'UTF8')), 'hex') WHERE seq = 4`;
    expect(await tamper(raw, rehash)).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe("5");
    expect(report.firstBroken?.problem).toMatch(/does not link to row 4/);
  });

  it("a deleted middle row: firstBroken names the missing seq", async () => {
    const slug = await tenantWithRows("delmid", 8);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)} WHERE seq = 6`)).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe("6");
    expect(report.firstBroken?.problem).toMatch(/row 6 is missing/);
  });

  it("a deleted first row: the chain does not start at 1", async () => {
    const slug = await tenantWithRows("delfirst", 3);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)} WHERE seq = 1`)).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.firstBroken).toEqual({ seq: "1", problem: expect.stringMatching(/row 1 is missing/) });
  });

  it("the newest row deleted: found through the chain head", async () => {
    const slug = await tenantWithRows("delnew", 6);
    const last = await maxSeq(raw, slug);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)} WHERE seq = $1`, [last.toString()])).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe(last.toString());
    expect(report.firstBroken?.problem).toMatch(new RegExp(`rows after ${last - 1n} are missing`));
    expect(report.rowsChecked).toBe(Number(last) - 1);
  });

  it("the newest row deleted, then new rows written: still found (the next row links to the chain head)", async () => {
    const slug = await tenantWithRows("delnext", 6);
    const last = await maxSeq(raw, slug);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)} WHERE seq = $1`, [last.toString()])).toBe(1);
    await recordEvent(slug, userActor, { action: "test.after", summary: "written after the newest row was removed" });
    await withAudit(slug, userActor, (tx) => tx.organization.create({ data: { name: "After the removal" } }));
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe(last.toString());
  });

  it("every row deleted, then new rows written: still found", async () => {
    const slug = await tenantWithRows("delall", 4);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)}`)).toBe(6);
    await recordEvent(slug, userActor, { action: "test.after", summary: "a fresh start?" });
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe("1");
  });

  it("an edited prev_hash: the row no longer links to its predecessor", async () => {
    const slug = await tenantWithRows("prev", 6);
    expect(await tamper(raw, `UPDATE ${logTable(slug)} SET prev_hash = repeat('a', 64) WHERE seq = 3`)).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.seq).toBe("3");
    expect(report.firstBroken?.problem).toMatch(/does not link to row 2/);
  });
});

describe("npm run audit:verify", () => {
  let intact: string;
  let broken: string;
  beforeAll(async () => {
    [intact, broken] = await Promise.all([tenantWithRows("cliok", 4), tenantWithRows("clibad", 4)]);
    await tamper(raw, `UPDATE ${logTable(broken)} SET actor_id = 'someone-else' WHERE seq = 3`);
  });

  it("exits 0 on an intact chain", { timeout: 60_000 }, async () => {
    const r = await runScript("scripts/audit.ts", ["verify", intact]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${intact}: chain intact, 6 rows checked`);
  });

  it("exits 1 with CHAIN BROKEN and the seq on a tampered one", { timeout: 60_000 }, async () => {
    const r = await runScript("scripts/audit.ts", ["verify", broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${broken}: CHAIN BROKEN at seq 3`);
  });

  it("exits 1 for an unknown tenant and 2 for a malformed slug", { timeout: 60_000 }, async () => {
    const [unknown, bad, none] = await Promise.all([
      runScript("scripts/audit.ts", ["verify", uniqueSlug("nobody")]),
      runScript("scripts/audit.ts", ["verify", "Not_A_Slug!"]),
      runScript("scripts/audit.ts", ["verify"]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No tenant with the slug/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid slug/);
    expect(none.code).toBe(2);
  });
});

describe("the canonical form is the same in TypeScript and SQL", () => {
  let slug: string;
  const tricky = [
    "Zoë 🚀 日本語 — naïve café (NFD: e\u0301)",
    `quotes "double" 'single' \`back\` and \\backslash\\`,
    "pipes | 5:abc | ~ | 0: |",
    "line\nbreaks\r\nand\ttabs",
    "",
  ];

  beforeAll(async () => {
    slug = uniqueSlug("canon");
    created.push(slug);
    await createTenant({ slug, name: "Canonical" });
    // Through the platform: explicit events with tricky text, empty strings and absent (NULL) fields.
    for (const [i, text] of tricky.entries()) {
      await recordEvent(
        slug,
        { actorType: "user", actorId: text, actorLabel: i % 2 ? "" : undefined, requestId: text || undefined, ip: "", userAgent: text },
        {
          action: "canon.case",
          targetType: i % 2 ? "" : undefined,
          targetId: text,
          summary: text || "empty fields",
          metadata: { text, nested: { list: [1, 2.5, -0, 1e21, null, true, "x|y", { deep: { deeper: [text, ""] } }], ключ: "значение" }, empty: "", nil: null },
        },
      );
    }
    // A row change whose `changes` holds timestamps, uuids and NULL columns.
    await withAudit(slug, userActor, (tx) => tx.user.create({ data: { email: "zoë+tag@audit.test", name: null } }));
    // Straight SQL, for what the platform never writes: JSON null vs SQL NULL, scalar and empty jsonb, empty summary.
    await raw.query(
      `INSERT INTO ${logTable(slug)} (actor_type, actor_id, action, summary, changes, metadata) VALUES
         ('system', NULL, 'canon.sql', '', 'null'::jsonb, NULL),
         ('system', '', 'canon.sql', '|', '""'::jsonb, '{}'::jsonb),
         ('system', '~', 'canon.sql', '~', '[]'::jsonb, '{"a": {"b": {"c": [1, {"d": "\\"quoted\\" \\\\ back"}]}}, "n": 1.50}'::jsonb)`,
    );
  });

  it("stores a hash equal to rowHash of the row as streamRows reads it, for every row", async () => {
    await sealNow(slug); // hashes are written by the sealer
    const rows = await collect(streamRows(getPool(), slug));
    expect(rows.length).toBe(tricky.length + 1 + 3);
    const { rows: sql } = await raw.query<{ seq: string; canonical: string }>(
      `SELECT seq::text AS seq, "${schemaNameFor(slug)}".audit_canonical(a) AS canonical FROM ${logTable(slug)} a ORDER BY seq`,
    );
    for (const [i, row] of rows.entries()) {
      expect(canonicalText(row), `canonical text of row ${row.seq}`).toBe(sql[i]!.canonical);
      expect(rowHash(row), `hash of row ${row.seq}`).toBe(row.hash);
    }
    expect((await verifyChain(getPool(), slug)).ok).toBe(true);
  });

  it("reads NULL and the empty string back as different values", async () => {
    const rows = await collect(streamRows(getPool(), slug));
    const sqlRows = rows.filter((r) => r.action === "canon.sql");
    expect(sqlRows.map((r) => r.actorId)).toEqual([null, "", "~"]);
    expect(sqlRows.map((r) => r.changes)).toEqual(["null", '""', "[]"]);
    expect(sqlRows.map((r) => r.metadata)).toEqual([null, "{}", expect.stringContaining('"n": 1.50')]);
    const events = rows.filter((r) => r.action === "canon.case");
    expect(events[1]!.actorLabel).toBe("");
    expect(events[0]!.actorLabel).toBeNull();
    expect(events[4]!.requestId).toBeNull(); // "" || undefined
    expect(events.every((r) => r.ip === "")).toBe(true);
  });

  it("keeps field boundaries unambiguous (byte lengths, ~ for NULL)", () => {
    const base: HashedFields = {
      seq: "1",
      occurredAt: "2026-01-01T00:00:00.000000Z",
      actorType: "user",
      actorId: null,
      actorLabel: null,
      action: "a.b",
      targetType: null,
      targetId: null,
      summary: "s",
      changes: null,
      metadata: null,
      requestId: null,
      ip: null,
      userAgent: null,
      prevHash: GENESIS_HASH,
    };
    expect(rowHash({ ...base, actorId: "" })).not.toBe(rowHash(base));
    expect(rowHash({ ...base, actorId: "~" })).not.toBe(rowHash(base));
    // Moving a "|" between neighbouring fields changes the text.
    expect(canonicalText({ ...base, summary: "x|1:y", changes: null })).not.toBe(canonicalText({ ...base, summary: "x", changes: "y" }));
    // Lengths are UTF-8 bytes, not UTF-16 units.
    expect(canonicalText({ ...base, summary: "é🚀" })).toContain("|6:é🚀|");
  });
});

describe("concurrent appends", () => {
  it("8 writers x 25 writes: contiguous seqs (nothing rolled back), no fork, chain ok", async () => {
    const slug = uniqueSlug("conc");
    created.push(slug);
    await createTenant({ slug, name: "Concurrent" });
    const writers = 8;
    const perWriter = 25;
    let expected = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const actor = { ...userActor, actorId: `writer-${w}` };
          switch (i % 3) {
            case 0:
              await withAudit(slug, actor, (tx) => tx.user.create({ data: { email: `w${w}-${i}@conc.test` } }));
              expected += 1;
              break;
            case 1:
              await recordEvent(slug, actor, { action: "conc.event", summary: `writer ${w} event ${i}` });
              expected += 1;
              break;
            default:
              // Two rows in one transaction, with a pause between them while holding the head.
              await withAudit(slug, actor, async (tx, audit) => {
                await audit.record({ action: "conc.pair", summary: `writer ${w} pair ${i} a` });
                await tx.$executeRaw`SELECT pg_sleep(0.002)`;
                await audit.record({ action: "conc.pair", summary: `writer ${w} pair ${i} b` });
              });
              expected += 2;
          }
        }
      }),
    );
    // Rows are sequenced on insert and chained by the sealer shortly after commit.
    expect((await sealNow(slug)).complete).toBe(true);
    // occurred_at is taken when a row is sequenced, without a lock: concurrent writers may
    // interleave it with seq, by the moment between drawing seq and reading the clock.
    const { rows } = await raw.query<{ n: number; min: string; max: string; seqs: number; prevs: number; backwards_over_1s: number }>(
      `SELECT count(*)::int AS n, min(seq)::text AS min, max(seq)::text AS max,
              count(DISTINCT seq)::int AS seqs, count(DISTINCT prev_hash)::int AS prevs,
              (SELECT count(*)::int FROM (SELECT occurred_at < lag(occurred_at) OVER (ORDER BY seq) - interval '1 second' AS back FROM ${logTable(slug)}) t WHERE back) AS backwards_over_1s
         FROM ${logTable(slug)}`,
    );
    expect(rows[0]).toEqual({ n: expected, min: "1", max: String(expected), seqs: expected, prevs: expected, backwards_over_1s: 0 });
    // Writers no longer queue until commit, so the two rows of a pair need not be
    // adjacent; they keep their order (a before b) within their transaction.
    const pairs = await raw.query<{ summary: string; seq: string }>(
      `SELECT summary, seq::text AS seq FROM ${logTable(slug)} a WHERE action = 'conc.pair' ORDER BY a.seq`,
    );
    const seqOf = new Map(pairs.rows.map((r) => [r.summary, BigInt(r.seq)]));
    expect(seqOf.size).toBe(pairs.rows.length);
    for (const [summary, seq] of seqOf) if (summary.endsWith(" a")) expect(seqOf.get(summary.replace(/ a$/, " b"))! > seq).toBe(true);
    expect(await verifyChain(getPool(), slug)).toEqual({ ok: true, rowsChecked: expected, startedAfterSeq: "0", lastSeq: String(expected), unsealed: 0 });
  });
});
