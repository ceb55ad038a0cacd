// Sequencing and sealing: appends take a seq without waiting on each other, and the
// sealer chains rows in seq order only below the point where every transaction has
// finished. Open transactions hold it back, rolled-back ones leave gaps the chain
// tolerates, unsealed rows are as immutable as sealed ones, and under a burst of
// writers the in-process loop seals everything within a bound.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH } from "@/lib/audit/canonical";
import { sealNow, sealStep, unsealedCount } from "@/lib/audit/seal-chain";
import { startAuditSealer, stopAuditSealer } from "@/lib/audit/sealer-loop";
import { verifyChain } from "@/lib/audit/verify-chain";
import { recordEvent, withAudit } from "@/lib/audit/with-audit";
import { closePool, getPool } from "@/lib/db/pool";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { logTable, sleep, tamper, userActor } from "./support/audit";
import { dropTenantsQuietly, rawClient, uniqueSlug } from "./support/tenants";

const created: string[] = [];
let raw: pg.Client;

async function newTenant(prefix: string): Promise<string> {
  const slug = uniqueSlug(prefix);
  created.push(slug);
  await createTenant({ slug, name: `Sealer ${prefix}` });
  return slug;
}

const rolledBack = new Error("rolled back on purpose");

/** One event in its own transaction that is rolled back after its row got a seq. */
async function rolledBackEvent(slug: string, summary: string): Promise<void> {
  await expect(
    withAudit(slug, userActor, async (_tx, audit) => {
      await audit.record({ action: "sealer.rolled_back", summary });
      throw rolledBack;
    }),
  ).rejects.toBe(rolledBack);
}

interface ChainRow {
  seq: string;
  prev_hash: string | null;
  hash: string | null;
  links: boolean;
}

/** Every row in seq order, and whether its prev_hash is the previous row's hash (genesis first). */
async function chainRows(slug: string): Promise<ChainRow[]> {
  const { rows } = await raw.query<ChainRow>(
    `SELECT seq::text AS seq, prev_hash, hash,
            prev_hash = coalesce(lag(hash) OVER (ORDER BY a.seq), $1) AS links
       FROM ${logTable(slug)} a ORDER BY a.seq`, // a.seq: a bare "seq" here is the text column
    [GENESIS_HASH],
  );
  return rows;
}

async function head(slug: string): Promise<{ seq: string; hash: string; sealed_through: string }> {
  const { rows } = await raw.query(`SELECT seq::text AS seq, hash, sealed_through::text AS sealed_through FROM "${schemaNameFor(slug)}".audit_chain_head`);
  return rows[0];
}

beforeAll(async () => {
  raw = await rawClient();
});

afterAll(async () => {
  await stopAuditSealer();
  await dropTenantsQuietly(created);
  await raw?.end();
  await closePool();
});

describe("sealing around open and rolled-back transactions", () => {
  it("never seals past an open transaction's seq; once it commits, everything seals in order", async () => {
    const slug = await newTenant("open");
    await recordEvent(slug, userActor, { action: "sealer.before", summary: "before the long transaction" });
    // The sealer looks once before the long transaction starts (as the loop would): what
    // was committed then becomes sealable whatever the long transaction does.
    await sealStep(getPool(), slug);

    // A long transaction takes a seq and stays open while others commit after it.
    const long = await rawClient();
    try {
      await long.query("BEGIN");
      const { rows } = await long.query<{ seq: string }>(
        `INSERT INTO ${logTable(slug)} (actor_type, action, summary) VALUES ('system', 'sealer.long', 'long transaction') RETURNING seq::text AS seq`,
      );
      const longSeq = BigInt(rows[0]!.seq);
      // Many concurrent transactions after it, a quarter of them rolled back.
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 4 === 3 ? rolledBackEvent(slug, `rolled back ${i}`) : recordEvent(slug, userActor, { action: "sealer.after", summary: `after ${i}` }),
        ),
      );
      const partial = await sealNow(slug, { timeoutMs: 300 });
      expect(partial.complete).toBe(false);
      expect(partial.sealedThrough).toBeLessThan(longSeq);
      const rowsNow = await chainRows(slug);
      for (const r of rowsNow) {
        // Below the open transaction: sealed and linked. From it on: nothing sealed.
        if (BigInt(r.seq) < longSeq) expect(r, `row ${r.seq}`).toMatchObject({ links: true, hash: expect.any(String) });
        else expect(r, `row ${r.seq}`).toMatchObject({ hash: null, prev_hash: null });
      }
      expect(rowsNow.filter((r) => BigInt(r.seq) > longSeq).length).toBe(18); // committed after it, not rolled back
      expect((await verifyChain(getPool(), slug, { sealTimeoutMs: 100 })).unsealed).toBe(18);
      await long.query("COMMIT");
    } finally {
      await long.end();
    }

    const done = await sealNow(slug);
    expect(done.complete).toBe(true);
    const rows = await chainRows(slug);
    expect(rows.length).toBe(1 + 1 + 18);
    expect(rows.every((r) => r.links && r.hash !== null)).toBe(true);
    // The rolled-back transactions drew seqs too (gaps the chain bridges, or past the last row).
    expect(done.sealedThrough).toBeGreaterThanOrEqual(BigInt(1 + 1 + 24));
    const last = BigInt(rows[rows.length - 1]!.seq);
    expect(await head(slug)).toMatchObject({ seq: last.toString(), hash: rows[rows.length - 1]!.hash });
    expect(await verifyChain(getPool(), slug)).toEqual({ ok: true, rowsChecked: rows.length, startedAfterSeq: "0", lastSeq: last.toString(), unsealed: 0 });
  });

  it("a long transaction that rolls back holds sealing back only until it ends", async () => {
    const slug = await newTenant("longrb");
    const long = await rawClient();
    try {
      await long.query("BEGIN");
      await long.query(`INSERT INTO ${logTable(slug)} (actor_type, action, summary) VALUES ('system', 'sealer.long', 'never committed')`);
      await recordEvent(slug, userActor, { action: "sealer.after", summary: "committed meanwhile" });
      expect((await sealNow(slug, { timeoutMs: 200 })).complete).toBe(false);
      expect(await unsealedCount(getPool(), slug)).toBe(1);
      await long.query("ROLLBACK");
    } finally {
      await long.end();
    }
    expect((await sealNow(slug)).complete).toBe(true);
    expect(await verifyChain(getPool(), slug)).toMatchObject({ ok: true, unsealed: 0 });
  });

  it("several sealers at once (as from several processes) never fork the chain", async () => {
    const slug = await newTenant("multi");
    let writing = true;
    const sealers = Array.from({ length: 4 }, async () => {
      while (writing) {
        await sealStep(getPool(), slug, 7);
        await sleep(1);
      }
    });
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 15; i++) {
          if (i % 5 === 4) await rolledBackEvent(slug, `w${w} ${i}`);
          else await recordEvent(slug, { ...userActor, actorId: `w${w}` }, { action: "sealer.multi", summary: `w${w} ${i}` });
        }
      }),
    );
    writing = false;
    await Promise.all(sealers);
    expect((await sealNow(slug)).complete).toBe(true);
    const rows = await chainRows(slug);
    expect(rows.length).toBe(6 * 12);
    expect(rows.every((r) => r.links)).toBe(true);
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
    expect(await verifyChain(getPool(), slug)).toMatchObject({ ok: true, rowsChecked: rows.length, unsealed: 0 });
  });
});

describe("the seal function", () => {
  it("refuses to run in a transaction that has already written (its xid could be older than open writers)", async () => {
    const slug = await newTenant("sealtx");
    await raw.query("BEGIN");
    try {
      await raw.query(`INSERT INTO ${logTable(slug)} (actor_type, action, summary) VALUES ('system', 'sealer.same_tx', 'same transaction')`);
      await expect(raw.query(`SELECT * FROM "${schemaNameFor(slug)}".audit_seal()`)).rejects.toThrow(/must run in a transaction that has written nothing/);
    } finally {
      await raw.query("ROLLBACK");
    }
  });
});

describe("immutability", () => {
  let slug: string;
  let unsealedSeq: string;
  let sealedSeq: string;

  beforeAll(async () => {
    slug = await newTenant("immut");
    await recordEvent(slug, userActor, { action: "sealer.sealed", summary: "sealed row" });
    expect((await sealNow(slug)).complete).toBe(true);
    sealedSeq = (await head(slug)).seq;
    // Not sealed: nothing runs the sealer for this tenant in this test.
    unsealedSeq = (await recordEvent(slug, userActor, { action: "sealer.unsealed", summary: "unsealed row" })).toString();
  });

  const refused = /audit log rows are immutable/;

  it("refuses any change to an unsealed row, flag or not, except the seal itself", async () => {
    const t = logTable(slug);
    await expect(raw.query(`UPDATE ${t} SET summary = 'edited' WHERE seq = $1`, [unsealedSeq])).rejects.toThrow(refused);
    await expect(raw.query(`UPDATE ${t} SET hash = repeat('a', 64), prev_hash = repeat('b', 64) WHERE seq = $1`, [unsealedSeq])).rejects.toThrow(refused);
    await expect(raw.query(`DELETE FROM ${t} WHERE seq = $1`, [unsealedSeq])).rejects.toThrow(refused);
    // With the sealer's flag set by hand: the hashes together with another column, or one hash alone.
    for (const set of [
      `summary = 'edited', hash = repeat('a', 64), prev_hash = repeat('b', 64)`,
      `hash = repeat('a', 64)`,
      `occurred_at = occurred_at + interval '1 second', hash = repeat('a', 64), prev_hash = repeat('b', 64)`,
    ]) {
      await raw.query("BEGIN");
      try {
        await raw.query("SELECT set_config('audit.sealing', 'on', true)");
        await expect(raw.query(`UPDATE ${t} SET ${set} WHERE seq = $1`, [unsealedSeq])).rejects.toThrow(refused);
      } finally {
        await raw.query("ROLLBACK");
      }
    }
    // A retention purge may not take unsealed rows either.
    await raw.query("BEGIN");
    try {
      await raw.query("SELECT set_config('audit.purge_through_seq', $1, true)", [unsealedSeq]);
      await expect(raw.query(`DELETE FROM ${t} WHERE seq = $1`, [unsealedSeq])).rejects.toThrow(refused);
    } finally {
      await raw.query("ROLLBACK");
    }
    const { rows } = await raw.query(`SELECT summary, hash FROM ${t} WHERE seq = $1`, [unsealedSeq]);
    expect(rows[0]).toEqual({ summary: "unsealed row", hash: null });
  });

  it("refuses any change to a sealed row, the sealer's flag included", async () => {
    const t = logTable(slug);
    await raw.query("BEGIN");
    try {
      await raw.query("SELECT set_config('audit.sealing', 'on', true)");
      await expect(raw.query(`UPDATE ${t} SET hash = repeat('a', 64), prev_hash = repeat('b', 64) WHERE seq = $1`, [sealedSeq])).rejects.toThrow(refused);
    } finally {
      await raw.query("ROLLBACK");
    }
    await expect(raw.query(`UPDATE ${t} SET hash = NULL, prev_hash = NULL WHERE seq = $1`, [sealedSeq])).rejects.toThrow(refused);
  });

  it("an explicit seq is ignored: the trigger draws it", async () => {
    const { rows } = await raw.query<{ seq: string }>(
      `INSERT INTO ${logTable(slug)} (seq, actor_type, action, summary, hash, prev_hash) VALUES (1, 'system', 'sealer.forged', 'forged seq', 'x', 'y') RETURNING seq::text AS seq, hash`,
    );
    expect(BigInt(rows[0]!.seq)).toBeGreaterThan(BigInt(unsealedSeq));
    expect((await sealNow(slug)).complete).toBe(true);
    expect(await verifyChain(getPool(), slug)).toMatchObject({ ok: true, unsealed: 0 });
  });
});

describe("tampering with sealed rows", () => {
  it("a sealed row removed next to a rollback gap is found; so are the newest sealed rows", async () => {
    const slug = await newTenant("tamper");
    await recordEvent(slug, userActor, { action: "sealer.t", summary: "one" });
    await rolledBackEvent(slug, "gap");
    const victim = await recordEvent(slug, userActor, { action: "sealer.t", summary: "two" });
    await recordEvent(slug, userActor, { action: "sealer.t", summary: "three" });
    expect((await sealNow(slug)).complete).toBe(true);
    expect((await verifyChain(getPool(), slug)).ok).toBe(true);
    expect(await tamper(raw, `DELETE FROM ${logTable(slug)} WHERE seq = $1`, [victim.toString()])).toBe(1);
    const report = await verifyChain(getPool(), slug);
    expect(report.ok).toBe(false);
    expect(report.firstBroken?.problem).toMatch(/missing/);

    const other = await newTenant("tamper-new");
    await recordEvent(other, userActor, { action: "sealer.t", summary: "one" });
    const newest = await recordEvent(other, userActor, { action: "sealer.t", summary: "two" });
    await rolledBackEvent(other, "gap after the newest");
    expect((await sealNow(other)).complete).toBe(true);
    expect(await tamper(raw, `DELETE FROM ${logTable(other)} WHERE seq = $1`, [newest.toString()])).toBe(1);
    const r2 = await verifyChain(getPool(), other);
    expect(r2.ok).toBe(false);
    expect(r2.firstBroken?.problem).toMatch(/the chain head is at/);
  });
});

describe("the in-process sealer loop", () => {
  it("seals a burst of concurrent writers (with rollbacks) within a bound after the last commit", { timeout: 60_000 }, async () => {
    const slug = await newTenant("burst");
    startAuditSealer({ intervalMs: 100 });
    let committed = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 60; i++) {
          if (i % 10 === 9) await rolledBackEvent(slug, `w${w} ${i}`);
          else {
            await recordEvent(slug, { ...userActor, actorId: `w${w}` }, { action: "sealer.burst", summary: `w${w} ${i}` });
            committed++;
          }
        }
      }),
    );
    const burstEnd = Date.now();
    let sealedAfterMs = -1;
    while (Date.now() - burstEnd < 5_000) {
      if ((await unsealedCount(getPool(), slug)) === 0) {
        sealedAfterMs = Date.now() - burstEnd;
        break;
      }
      await sleep(10);
    }
    console.log(`burst of ${committed} rows (8 writers): all sealed ${sealedAfterMs} ms after the last commit`);
    // Typically two ticks (~100-200 ms). The bound has headroom because the database
    // server is shared: a long writing transaction anywhere on it holds sealing back.
    expect(sealedAfterMs).toBeGreaterThanOrEqual(0);
    expect(sealedAfterMs).toBeLessThan(2_000);
    const rows = await chainRows(slug);
    expect(rows.length).toBe(committed);
    expect(rows.every((r) => r.links)).toBe(true);
    expect(await verifyChain(getPool(), slug, { seal: false })).toMatchObject({ ok: true, rowsChecked: committed, unsealed: 0 });
    await stopAuditSealer();
  });

  it("a sweep finds rows another process left unsealed (no dirty mark here)", { timeout: 30_000 }, async () => {
    const slug = await newTenant("sweep");
    // Written with raw SQL: nothing in this process marks the tenant dirty.
    await raw.query(
      `INSERT INTO ${logTable(slug)} (actor_type, action, summary) SELECT 'system', 'sealer.other', 'from elsewhere ' || g FROM generate_series(1, 5) g`,
    );
    expect(await unsealedCount(getPool(), slug)).toBe(5);
    startAuditSealer({ intervalMs: 50, sweepMs: 200 });
    const started = Date.now();
    while ((await unsealedCount(getPool(), slug)) > 0 && Date.now() - started < 10_000) await sleep(20);
    await stopAuditSealer();
    expect(await unsealedCount(getPool(), slug)).toBe(0);
    expect(await verifyChain(getPool(), slug, { seal: false })).toMatchObject({ ok: true, unsealed: 0 });
  });
});
