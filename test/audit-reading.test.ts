// Reading the audit trail: search filters and keyset pagination, tenant isolation of
// search and export, CSV/JSON Lines exports (escaping, offline verification, bounded
// memory), and retention (sealed archive, anchor, chain verifiable afterwards).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext, type AuditContext } from "@/lib/audit/context";
import { csvHeader, exportLines, startAuditExport } from "@/lib/audit/export";
import { auditQuerySchema } from "@/lib/audit/query-schema";
import { streamRows } from "@/lib/audit/read-rows";
import { purgeExpiredAuditRows } from "@/lib/audit/retention";
import { searchAuditLog, type AuditEntry } from "@/lib/audit/search";
import { sealNow } from "@/lib/audit/seal-chain";
import { verifyChain } from "@/lib/audit/verify-chain";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { auditCount, collect, csvValue, dbNow, logTable, maxSeq, parseCsv, seedAuditRows, sleep } from "./support/audit";
import { runScript } from "./support/cli";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const created: string[] = [];
let raw: pg.Client;

async function newTenant(prefix: string): Promise<string> {
  const slug = uniqueSlug(prefix);
  created.push(slug);
  await createTenant({ slug, name: `Reading ${prefix}` });
  return slug;
}

const u1: AuditContext = { actorType: "user", actorId: "u-1", actorLabel: "alice@example.test", requestId: "req-1", ip: "198.51.100.1", userAgent: "vitest" };
const u2: AuditContext = { actorType: "user", actorId: "u-2", actorLabel: "bob@example.test" };
const hook: AuditContext = { actorType: "webhook", actorId: "wh-1", actorLabel: "billing webhook" };
const cron: AuditContext = systemContext("nightly job");
const visitor: AuditContext = { actorType: "anonymous", actorId: "" }; // actorId "" (empty) vs actorLabel absent (NULL)

/** A search through the schema, as the API and the CLI run it. */
function search(slug: string, input: Record<string, unknown>) {
  return searchAuditLog(getPool(), slug, auditQuerySchema.parse(input));
}
const seqsOf = (items: AuditEntry[]) => items.map((i) => i.seq);
const desc = (seqs: string[]) => [...seqs].sort((a, b) => Number(BigInt(b) - BigInt(a)));

/**
 * Writes the same story into a tenant, each summary tagged with the tenant's word
 * (`alpha`/`bravo`), with database-clock boundaries t1 and t2 between three phases.
 * Returns the seq of every named row.
 */
async function writeStory(slug: string, word: string) {
  const s: Record<string, string> = {};
  const ev = async (name: string, ctx: AuditContext, event: Parameters<typeof recordEvent>[2]) => {
    s[name] = (await recordEvent(slug, ctx, event)).toString();
  };
  // Phase 1
  await ev("signIn", u1, { action: "auth.sign_in", targetType: "user", targetId: "u-1", summary: `${word}-only sign in zebra` });
  await ev("signXin", u2, { action: "auth.signxin", summary: `${word}-only lookalike action` });
  const user = await withAudit(slug, u1, (tx) => tx.user.create({ data: { email: `carol@${word}.test`, name: "Carol" } }));
  await withAudit(slug, u1, (tx) => tx.user.update({ where: { id: user.id }, data: { name: "Caroline" } }));
  const { rows } = await raw.query<{ action: string; seq: string }>(`SELECT action, seq::text AS seq FROM ${logTable(slug)} WHERE target_id = $1`, [user.id]);
  for (const r of rows) s[r.action] = r.seq;
  s.userId = user.id;
  await ev("quote", visitor, { action: "quote.test", summary: `${word}-only He said "hi", then, left\r\nnext line ,"", done` });
  await sleep(20);
  const t1 = await dbNow(raw);
  await sleep(20);
  // Phase 2
  await ev("report", cron, { action: "report.built", targetType: "report", targetId: "r-1", summary: `${word}-only quartz zebra report` });
  await ev("inv7", hook, { action: "invoice.paid", targetType: "invoice", targetId: "inv-7", summary: `${word}-only invoice paid` });
  await ev("inv8", hook, { action: "invoice.paid", targetType: "invoice", targetId: "inv-8", summary: `${word}-only other invoice` });
  await sleep(20);
  const t2 = await dbNow(raw);
  await sleep(20);
  // Phase 3: enough rows for several pages, and seqs past 9 (text order would put 10 before 9).
  const batch: string[] = [];
  for (let i = 0; i < 12; i++) batch.push((await recordEvent(slug, cron, { action: "batch.item", summary: `${word}-only batch item ${i}` })).toString());
  return { s, t1, t2, batch };
}

let a: string;
let b: string;
let storyA: Awaited<ReturnType<typeof writeStory>>;
let archiveDir: string;

beforeAll(async () => {
  raw = await rawClient();
  archiveDir = await mkdtemp(path.join(tmpdir(), "audit-archive-"));
  [a, b] = await Promise.all([newTenant("rda"), newTenant("rdb")]);
  storyA = await writeStory(a, "alpha");
  await writeStory(b, "bravo");
});

afterAll(async () => {
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
  if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
});

describe("searchAuditLog filters", () => {
  it("returns everything newest first without filters", async () => {
    const page = await search(a, { limit: 200 });
    const all = (await raw.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${logTable(a)} x ORDER BY x.seq DESC`)).rows.map((r) => r.seq);
    expect(all.length).toBe(20);
    expect(seqsOf(page.items)).toEqual(all);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({ action: "batch.item", summary: "alpha-only batch item 11", actorType: "system", actorLabel: "nightly job" });
  });

  it("by actorType and actorId", async () => {
    const { s } = storyA;
    expect(seqsOf((await search(a, { actorType: "webhook" })).items)).toEqual([s.inv8, s.inv7]);
    expect(seqsOf((await search(a, { actorId: "u-2" })).items)).toEqual([s.signXin]);
    expect(seqsOf((await search(a, { actorType: "user", actorId: "u-1" })).items)).toEqual(desc([s.signIn!, s["user.created"]!, s["user.updated"]!]));
    expect((await search(a, { actorType: "api_key" })).items).toEqual([]);
  });

  it("by action prefix, where '_' is a literal underscore and not a wildcard", async () => {
    const { s } = storyA;
    expect(seqsOf((await search(a, { action: "user." })).items)).toEqual([s["user.updated"], s["user.created"]]);
    expect(seqsOf((await search(a, { action: "user.created" })).items)).toEqual([s["user.created"]]);
    expect(seqsOf((await search(a, { action: "auth.sign_in" })).items)).toEqual([s.signIn]);
    expect(seqsOf((await search(a, { action: "auth.signxin" })).items)).toEqual([s.signXin]);
    expect(seqsOf((await search(a, { action: "auth.sign" })).items)).toEqual([s.signXin, s.signIn]);
    expect(seqsOf((await search(a, { action: "auth_" })).items)).toEqual([]);
  });

  it("by target", async () => {
    const { s } = storyA;
    expect(seqsOf((await search(a, { targetType: "invoice", targetId: "inv-7" })).items)).toEqual([s.inv7]);
    expect(seqsOf((await search(a, { targetType: "invoice" })).items)).toEqual([s.inv8, s.inv7]);
    expect(seqsOf((await search(a, { targetType: "user", targetId: s.userId })).items)).toEqual([s["user.updated"], s["user.created"]]);
  });

  it("by time range [from, to)", async () => {
    const { s, t1, t2, batch } = storyA;
    expect(seqsOf((await search(a, { from: t1.toISOString(), to: t2.toISOString() })).items)).toEqual([s.inv8, s.inv7, s.report]);
    expect(seqsOf((await search(a, { from: t2, limit: 200 })).items)).toEqual(desc(batch));
    const before = seqsOf((await search(a, { to: t1 })).items);
    expect(before).toEqual(desc([s.signIn!, s.signXin!, s["user.created"]!, s["user.updated"]!, s.quote!]));
  });

  it("by free text over the summary: every word must occur, in any order", async () => {
    const { s } = storyA;
    expect(seqsOf((await search(a, { q: "zebra" })).items)).toEqual([s.report, s.signIn]);
    expect(seqsOf((await search(a, { q: "zebra quartz" })).items)).toEqual([s.report]);
    expect(seqsOf((await search(a, { q: "quartz  ZEBRA " })).items)).toEqual([s.report]);
    expect((await search(a, { q: "zebra unicorn" })).items).toEqual([]);
  });

  it("combines filters", async () => {
    const { batch } = storyA;
    const r = await search(a, { actorType: "system", action: "batch.", q: "item 7" });
    expect(seqsOf(r.items)).toEqual([batch[7]]);
  });
});

describe("keyset pagination", () => {
  async function walk(slug: string, filters: Record<string, unknown>, limit: number, between?: () => Promise<void>) {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await search(slug, { ...filters, limit, cursor });
      seen.push(...seqsOf(page.items));
      sizes.push(page.items.length);
      if (!page.nextCursor) return { seen, sizes };
      expect(page.nextCursor).toBe(page.items[page.items.length - 1]!.seq);
      cursor = page.nextCursor;
      await between?.();
    }
    throw new Error("pagination did not end");
  }

  it("walks every matching row exactly once, newest first, limit 3", async () => {
    const { seen, sizes } = await walk(a, { action: "batch." }, 3);
    expect(seen).toEqual(desc(storyA.batch));
    expect(sizes).toEqual([3, 3, 3, 3]); // an exact last page: nextCursor null, no empty page after it
  });

  it("walks the whole log across the 9/10 boundary", async () => {
    const all = (await raw.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${logTable(a)} x ORDER BY x.seq DESC`)).rows.map((r) => r.seq);
    const { seen, sizes } = await walk(a, {}, 3);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
    const exact = await walk(a, {}, 10); // 20 rows: two full pages
    expect(exact.sizes).toEqual([10, 10]);
    expect(exact.seen).toEqual(all);
    expect(sizes).toEqual([3, 3, 3, 3, 3, 3, 2]);
  });

  it("is stable while rows are appended between pages", async () => {
    const slug = await newTenant("rdpage");
    for (let i = 0; i < 7; i++) await recordEvent(slug, cron, { action: "page.item", summary: `page item ${i}` });
    const before = (await raw.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${logTable(slug)} x ORDER BY x.seq DESC`)).rows.map((r) => r.seq);
    let n = 0;
    const { seen } = await walk(slug, { action: "page." }, 3, async () => {
      await recordEvent(slug, cron, { action: "page.item", summary: `late item ${n++}` });
    });
    expect(seen).toEqual(before);
    expect(n).toBe(2);
  });
});

describe("auditQuerySchema", () => {
  const accepted = (input: Record<string, unknown>) => auditQuerySchema.safeParse(input).success;

  it("refuses a limit over 200, bad cursors, to <= from, and actions with % or other characters", () => {
    expect(accepted({ limit: 201 })).toBe(false);
    expect(accepted({ limit: "201" })).toBe(false);
    expect(accepted({ limit: 0 })).toBe(false);
    for (const cursor of ["abc", "0", "-1", "01", "1.5", "1 OR 1=1", "12345678901234567890"]) expect(accepted({ cursor }), cursor).toBe(false);
    expect(accepted({ from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" })).toBe(false);
    expect(accepted({ from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" })).toBe(false);
    for (const action of ["auth.%", "%", "auth\\_", "AUTH.", "user created", ""]) expect(accepted({ action }), action).toBe(false);
    expect(accepted({ actorType: "robot" })).toBe(false);
  });

  it("accepts the limits and coerces query-string values", () => {
    const q = auditQuerySchema.parse({
      limit: "200",
      cursor: "9223372036854775807",
      from: "2026-01-01T00:00:00Z",
      to: "2026-01-01T00:00:00.001Z",
      action: " auth.sign_in ",
    });
    expect(q).toMatchObject({ limit: 200, cursor: "9223372036854775807", action: "auth.sign_in" });
    expect(q.from).toBeInstanceOf(Date);
    expect(auditQuerySchema.parse({}).limit).toBe(50);
  });
});

describe("tenant isolation of reading", () => {
  const filterSets: Record<string, unknown>[] = [
    { limit: 200 },
    { actorType: "user", actorId: "u-1" },
    { action: "auth." },
    { action: "batch.", limit: 200 },
    { targetType: "invoice", targetId: "inv-7" },
    { q: "zebra" },
    { q: "only" },
    { cursor: "15", limit: 200 },
  ];

  it("B's search never returns A's rows (and vice versa), with the same filters", async () => {
    // Every row a tenant's search returns is that tenant's own row (same seq, same hash).
    const own = async (slug: string) =>
      new Map((await raw.query<{ seq: string; hash: string }>(`SELECT seq::text AS seq, hash FROM ${logTable(slug)}`)).rows.map((r) => [r.seq, r.hash]));
    const [ownA, ownB] = await Promise.all([own(a), own(b)]);
    let seen = 0;
    for (const filters of filterSets) {
      const [inA, inB] = await Promise.all([search(a, filters), search(b, filters)]);
      const label = JSON.stringify(filters);
      expect(inA.items.length, label).toBeGreaterThan(0);
      expect(
        inB.items.map((r) => r.seq),
        label,
      ).toEqual(inA.items.map((r) => r.seq)); // same story, same shape
      for (const r of inB.items) {
        expect(r.hash, label).toBe(ownB.get(r.seq));
        expect(r.summary, label).not.toMatch(/alpha/);
        expect(r.targetId, label).not.toBe(storyA.s.userId);
      }
      for (const r of inA.items) {
        expect(r.hash, label).toBe(ownA.get(r.seq));
        expect(r.summary, label).not.toMatch(/bravo/);
      }
      seen += inB.items.length;
    }
    expect(seen).toBeGreaterThan(20);
    expect((await search(b, { q: "alpha" })).items).toEqual([]);
    expect((await search(a, { q: "bravo" })).items).toEqual([]);
    expect((await search(b, { limit: 200 })).items.length).toBe(20);
  });

  it("B's export never contains A's rows", async () => {
    for (const format of ["jsonl", "csv"] as const) {
      const textB = (await collect(exportLines(getPool(), b, { format }))).join("");
      const textA = (await collect(exportLines(getPool(), a, { format }))).join("");
      expect(textB).toContain("bravo-only");
      expect(textB).not.toContain("alpha");
      expect(textA).not.toContain("bravo");
    }
  });
});

describe("export", () => {
  it("JSON Lines: a header, one line per row in chain order, then the seal", async () => {
    const lines = await collect(exportLines(getPool(), a, { format: "jsonl" }));
    const count = await auditCount(raw, a);
    expect(lines.length).toBe(count + 2);
    for (const line of lines) expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ export: { tenant: a, format: "jsonl", from: null, to: null, canonical: "v1" } });
    const rows = lines.slice(1, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    const sha256 = createHash("sha256").update(lines.slice(1, -1).join("")).digest("hex");
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({
      seal: { tenant: a, rows: count, firstSeq: "1", lastSeq: String(count), lastHash: rows[rows.length - 1]!.hash, sha256 },
    });
    const quote = rows.find((r) => r.action === "quote.test")!;
    expect(quote).toMatchObject({ actorId: "", actorLabel: null, summary: expect.stringContaining('"hi", then, left\r\nnext') });
  });

  it("CSV: a header and one record per row; quotes, commas and newlines escaped; NULL empty and unquoted, '' quoted", async () => {
    const chunks = await collect(exportLines(getPool(), a, { format: "csv" }));
    const count = await auditCount(raw, a);
    expect(chunks.length).toBe(count + 1);
    expect(chunks[0]).toBe(csvHeader);
    const records = parseCsv(chunks.join(""));
    expect(records.length).toBe(count + 1);
    const columns = records[0]!.map((c) => c.value);
    expect(columns).toEqual([
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
      "hash",
    ]);
    const stored = await collect(streamRows(getPool(), a));
    for (const [i, record] of records.slice(1).entries()) {
      const row = stored[i] as unknown as Record<string, string | null>;
      expect(Object.fromEntries(columns.map((c, j) => [c, csvValue(record[j]!)])), `row ${row.seq}`).toEqual(row);
      for (const cell of record) if (cell.value !== "") expect(cell.quoted).toBe(true);
    }
    const quote = chunks.find((c) => c.includes('"quote.test"'))!;
    expect(quote).toMatch(/^"\d+","[^"]+","anonymous","",,"quote\.test",,,"alpha-only He said ""hi"", then, left\r\nnext line ,"""", done",/);
    expect(quote.endsWith('"\r\n')).toBe(true);
  });

  it("a time range exports only the rows in [from, to)", async () => {
    const { s, t1, t2 } = storyA;
    const lines = await collect(exportLines(getPool(), a, { format: "jsonl", from: t1, to: t2 }));
    expect(JSON.parse(lines[0]!).export).toMatchObject({ from: t1.toISOString(), to: t2.toISOString() });
    expect(lines.slice(1, -1).map((l) => JSON.parse(l).seq)).toEqual([s.report, s.inv7, s.inv8]);
    expect(await verifyExportLines(lines)).toMatchObject({ ok: true, rows: 3, firstSeq: s.report, lastSeq: s.inv8 });
  });

  it("verifyExportLines accepts an export, and rejects an edited line and a removed line", async () => {
    const lines = await collect(exportLines(getPool(), a, { format: "jsonl" }));
    const last = JSON.parse(lines[lines.length - 2]!);
    expect(await verifyExportLines(lines)).toEqual({ ok: true, rows: lines.length - 2, firstSeq: "1", lastSeq: last.seq, lastHash: last.hash });

    // Cut from either end: the seal no longer matches, or is gone.
    const firstCut = [lines[0]!, ...lines.slice(2)];
    expect((await verifyExportLines(firstCut)).problem).toMatch(/the seal on line \d+ does not match/);
    const tailCut = lines.slice(0, -2);
    expect((await verifyExportLines(tailCut)).problem).toMatch(/no seal line/);

    const edited = [...lines];
    const row = JSON.parse(edited[6]!);
    edited[6] = `${JSON.stringify({ ...row, summary: `${row.summary} (edited)` })}\n`;
    const e = await verifyExportLines(edited);
    expect(e.ok).toBe(false);
    expect(e.problem).toBe(`row ${row.seq} does not match its hash`);

    const removed = lines.filter((_, i) => i !== 9);
    const r = await verifyExportLines(removed);
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(new RegExp(`row ${JSON.parse(lines[9]!).seq} is missing`));

    const relinked = [...lines];
    const victim = JSON.parse(relinked[4]!);
    relinked[4] = `${JSON.stringify({ ...victim, prevHash: "f".repeat(64) })}\n`;
    expect((await verifyExportLines(relinked)).problem).toBe(`row ${victim.seq} does not link to row ${BigInt(victim.seq) - 1n}`);
  });

  it("startAuditExport records an audit.exported event before streaming, and the export contains it", async () => {
    const slug = await newTenant("rdexp");
    await seedAuditRows(slug, 3, "exp");
    const before = await maxSeq(raw, slug);
    const lines = await startAuditExport(getPool(), slug, systemContext("export test"), { format: "csv" });
    const { rows } = await raw.query(`SELECT seq::text AS seq, actor_type, actor_label, action, metadata FROM ${logTable(slug)} x ORDER BY x.seq DESC LIMIT 1`);
    expect(rows[0]).toEqual({
      seq: (before + 1n).toString(),
      actor_type: "system",
      actor_label: "export test",
      action: "audit.exported",
      metadata: { format: "csv", from: null, to: null },
    });
    const chunks = await collect(lines);
    expect(chunks.length).toBe(Number(before) + 1 + 1);
    expect(chunks[chunks.length - 1]).toContain('"audit.exported"');
  });

  it("streams 100k rows (> 40 MB) with bounded memory", { timeout: 90_000 }, async () => {
    const slug = await newTenant("rdbig");
    const rowsWanted = 100_000;
    let t = Date.now();
    await raw.query(
      `INSERT INTO ${logTable(slug)} (actor_type, action, summary, metadata)
       SELECT 'system', 'bench.row', 'row ' || g, jsonb_build_object('pad', repeat('x', 300)) FROM generate_series(1, ${rowsWanted}) g`,
    );
    const insertMs = Date.now() - t;

    const gc = exposedGc();
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const base = heap();
    let peak = base;
    let bytes = 0;
    let lines = 0;
    t = Date.now();
    async function* counted() {
      for await (const line of exportLines(getPool(), slug, { format: "jsonl" })) {
        bytes += Buffer.byteLength(line);
        if (++lines % (gc ? 5_000 : 500) === 0) peak = Math.max(peak, heap());
        yield line;
      }
    }
    const report = await verifyExportLines(counted());
    const exportMs = Date.now() - t;
    const growth = peak - base;
    console.log(
      `100k audit rows: insert ${insertMs} ms, export+verify ${exportMs} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB exported, ` +
        `peak heap growth ${(growth / 2 ** 20).toFixed(1)} MiB (gc ${gc ? "forced" : "not available"})`,
    );
    expect(report).toMatchObject({ ok: true, rows: rowsWanted, firstSeq: "1", lastSeq: String(rowsWanted) });
    expect(lines).toBe(rowsWanted + 2);
    expect(bytes).toBeGreaterThan(40 * 2 ** 20);
    expect(growth).toBeLessThan(40 * 2 ** 20);
    expect(growth * 3).toBeLessThan(bytes);
  });
});

/** global.gc if node runs with --expose-gc, else the same function exposed at run time; undefined if neither works. */
function exposedGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

describe("retention", () => {
  const day = 86_400_000;
  let slug: string;
  let lastHashBefore: string;
  let firstPurge: Awaited<ReturnType<typeof purgeExpiredAuditRows>>;
  let cutoffAt: Date;

  const anchors = async () =>
    (await raw.query(`SELECT seq::text AS seq, hash, rows, archive_name, archive_sha256 FROM "${schemaNameFor(slug)}".audit_retention_anchor x ORDER BY x.seq`))
      .rows;
  const archiveLines = async (name: string) => (await readFile(path.join(archiveDir, slug, name), "utf8")).split("\n").filter((l) => l !== "");

  beforeAll(async () => {
    slug = await newTenant("rdret");
    await seedAuditRows(slug, 8, "old"); // seq 1..8: expired
    await sleep(20);
    cutoffAt = await dbNow(raw);
    await sleep(20);
    await seedAuditRows(slug, 3, "new"); // seq 9..11: kept
    await sealNow(slug); // hashes are written by the sealer
    lastHashBefore = (await raw.query(`SELECT hash FROM ${logTable(slug)} WHERE seq = 8`)).rows[0].hash;
    // "now" is 30 days after the cutoff, so exactly the rows before it are older than 30 days.
    firstPurge = await purgeExpiredAuditRows(getPool(), slug, { retentionDays: 30, archiveDir, now: new Date(cutoffAt.getTime() + 30 * day) });
  });

  it("returns the purged count and removes exactly the expired rows", async () => {
    expect(firstPurge).toEqual({ purged: 8, throughSeq: "8", archive: "audit-1-8.jsonl" });
    const { rows } = await raw.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${logTable(slug)} x ORDER BY x.seq`);
    expect(rows.map((r) => r.seq)).toEqual(["9", "10", "11", "12"]);
  });

  it("records an anchor: the last purged row's seq and hash, and the archive's name and SHA-256", async () => {
    const [anchor, ...more] = await anchors();
    expect(more).toEqual([]);
    expect(anchor).toMatchObject({ seq: "8", hash: lastHashBefore, rows: 8, archive_name: "audit-1-8.jsonl" });
    const lines = await archiveLines("audit-1-8.jsonl");
    const seal = JSON.parse(lines[lines.length - 1]!).seal;
    expect(anchor!.archive_sha256).toBe(seal.sha256);
  });

  it("writes a sealed archive whose rows verify offline and whose seal matches them", async () => {
    expect(await readdir(path.join(archiveDir, slug))).toEqual(["audit-1-8.jsonl"]); // no .partial left behind
    const lines = await archiveLines("audit-1-8.jsonl");
    expect(lines.length).toBe(8 + 1);
    const rowLines = lines.slice(0, -1);
    const last = JSON.parse(lines[lines.length - 1]!);
    expect(Object.keys(last)).toEqual(["seal"]);
    const sha256 = createHash("sha256")
      .update(rowLines.map((l) => `${l}\n`).join(""))
      .digest("hex");
    expect(last.seal).toEqual({ tenant: slug, rows: 8, firstSeq: "1", lastSeq: "8", lastHash: lastHashBefore, sha256 });
    expect(await verifyExportLines(lines)).toEqual({ ok: true, rows: 8, firstSeq: "1", lastSeq: "8", lastHash: lastHashBefore });
    expect((await verifyExportLines(rowLines)).problem).toMatch(/no seal line/);
    expect(JSON.parse(rowLines[0]!).prevHash).toBe("0".repeat(64));
  });

  it("the archive file as a whole, seal line included, verifies offline (library and CLI)", { timeout: 60_000 }, async () => {
    const lines = await archiveLines("audit-1-8.jsonl");
    expect(await verifyExportLines(lines)).toMatchObject({ ok: true, rows: 8, lastSeq: "8", lastHash: lastHashBefore });
    const cli = await runScript("scripts/audit.ts", ["verify-export", path.join(archiveDir, slug, "audit-1-8.jsonl")]);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("export intact: 8 rows, seq 1 to 8");
  });

  it("a seal that does not match its rows is refused", async () => {
    const lines = await archiveLines("audit-1-8.jsonl");
    const seal = JSON.parse(lines[lines.length - 1]!).seal;
    // The last row cut off: the chain of what is left is fine, only the seal can tell.
    const truncated = [...lines.slice(0, -2), lines[lines.length - 1]!];
    expect((await verifyExportLines(truncated)).ok).toBe(false);
    const wrongDigest = [...lines.slice(0, -1), JSON.stringify({ seal: { ...seal, sha256: "0".repeat(64) } })];
    expect((await verifyExportLines(wrongDigest)).ok).toBe(false);
    const afterSeal = [...lines, lines[0]!];
    expect((await verifyExportLines(afterSeal)).ok).toBe(false);
  });

  it("leaves a chain that verifies from the anchor, with the purge recorded as the newest row", async () => {
    expect(await verifyChain(getPool(), slug)).toEqual({ ok: true, rowsChecked: 4, startedAfterSeq: "8", lastSeq: "12", unsealed: 0 });
    const { rows } = await raw.query(`SELECT seq::text AS seq, actor_type, action, metadata FROM ${logTable(slug)} x ORDER BY x.seq DESC LIMIT 1`);
    expect(rows[0]).toMatchObject({
      seq: "12",
      actor_type: "system",
      action: "audit.retention_purged",
      metadata: { rows: 8, throughSeq: "8", archive: "audit-1-8.jsonl", sha256: (await anchors())[0]!.archive_sha256 },
    });
  });

  it("purges nothing when nothing is expired", async () => {
    const again = await purgeExpiredAuditRows(getPool(), slug, { retentionDays: 30, archiveDir });
    expect(again).toEqual({ purged: 0, throughSeq: null, archive: null });
    expect((await anchors()).length).toBe(1);
    expect(await maxSeq(raw, slug)).toBe(12n);
  });

  it("still refuses ordinary deletes, even with the purge marker set to the anchor", async () => {
    await expect(raw.query(`DELETE FROM ${logTable(slug)} WHERE seq = 9`)).rejects.toThrow(/immutable: DELETE refused/);
    await expect(raw.query(`BEGIN; SELECT set_config('audit.purge_through_seq', '8', true); DELETE FROM ${logTable(slug)}; COMMIT`)).rejects.toThrow(
      /immutable: DELETE refused/,
    );
    await raw.query("ROLLBACK");
    expect(await auditCount(raw, slug)).toBe(4);
  });

  it("chains new writes after the purge, and a later purge verifies from the newest anchor", async () => {
    await seedAuditRows(slug, 2, "after");
    await recordEvent(slug, cron, { action: "after.purge", summary: "written after the purge" });
    expect(await verifyChain(getPool(), slug)).toEqual({ ok: true, rowsChecked: 7, startedAfterSeq: "8", lastSeq: "15", unsealed: 0 });

    // Everything expired now: a second anchor at 15 (whose text sorts before "8").
    const second = await purgeExpiredAuditRows(getPool(), slug, { retentionDays: 1, archiveDir, now: new Date(Date.now() + 2 * day) });
    expect(second).toEqual({ purged: 7, throughSeq: "15", archive: "audit-9-15.jsonl" });
    expect((await anchors()).map((x) => x.seq)).toEqual(["8", "15"]);
    expect(await verifyChain(getPool(), slug)).toEqual({ ok: true, rowsChecked: 1, startedAfterSeq: "15", lastSeq: "16", unsealed: 0 });
    // The second archive continues the first one's chain.
    const lines = await archiveLines("audit-9-15.jsonl");
    expect(JSON.parse(lines[0]!).prevHash).toBe(lastHashBefore);
    expect(await verifyExportLines(lines)).toMatchObject({ ok: true, rows: 7, firstSeq: "9", lastSeq: "15" });
    expect(existsSync(path.join(archiveDir, slug, "audit-1-8.jsonl"))).toBe(true);
  });
});
