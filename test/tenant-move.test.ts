// Online tenant moves between two real PostgreSQL clusters: the copy (every table, the
// audit chain with its seq/hash/sealing state, sequences) verified row for row, the
// read-only hold, refusals that change nothing, a failed move that puts everything back,
// and killed moves that a rerun cleans up or finishes (through the operator CLI).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "@/lib/audit/context";
import { verifyChain } from "@/lib/audit/verify-chain";
import { sealNow } from "@/lib/audit/seal-chain";
import { withAudit } from "@/lib/audit/with-audit";
import { getPool } from "@/lib/db/pool";
import { AppError } from "@/lib/errors/app-error";
import { createIntegration } from "@/lib/integrations/integrations";
import { createTenant } from "@/lib/tenancy/create-tenant";
import { moveTenant } from "@/lib/tenancy/move/move-tenant";
import { isTenantWriteHold } from "@/lib/tenancy/move/write-hold-error";
import { setTenantStatus } from "@/lib/tenancy/set-tenant-status";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { repoRoot, runScript } from "./support/cli";
import { clusterOf, hasSchema, movesOf, schemaDigest, moveTarget, type SecondCluster } from "./support/move";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const ctx = systemContext("move test");
const created = new Set<string>();
let c2: SecondCluster;
let platform: pg.Pool;

beforeAll(async () => {
  c2 = moveTarget();
  platform = getPool();
}, 60_000);

afterAll(async () => {
  // A copy a failed test left on the second cluster (dropTenant drops the placed one).
  for (const slug of created) await c2.pool.query(`DROP SCHEMA IF EXISTS ${schemaNameFor(slug)} CASCADE`).catch(() => undefined);
  await dropTenantsQuietly(created);
  await c2.close();
}, 60_000);

async function seededTenant(prefix: string, auditRows = 2_000): Promise<string> {
  const slug = uniqueSlug(prefix);
  created.add(slug);
  await createTenant({ slug, name: `Move ${slug}`, ownerEmail: `owner@${slug}.test` });
  const schema = schemaNameFor(slug);
  await withAudit(slug, ctx, async (tx) => {
    for (let i = 0; i < 20; i++)
      await tx.user.create({ data: { id: crypto.randomUUID(), email: `m${i}@${slug}.test`, name: `Member ${i}`, updatedAt: new Date() } });
  });
  await createIntegration(slug, { name: "hooks", kind: "webhook", scheme: "standard-webhooks" }, ctx);
  // Many audit rows in one statement (the sequencing trigger draws their seq), then sealed.
  await platform.query(
    `INSERT INTO ${schema}.audit_log (actor_type, action, summary, metadata) SELECT 'system', 'test.bulk', 'bulk row ' || g, jsonb_build_object('g', g) FROM generate_series(1, $1::int) g`,
    [auditRows],
  );
  await sealNow(slug, { timeoutMs: 5_000 });
  return slug;
}

async function maxSeq(db: pg.Pool, schema: string): Promise<bigint> {
  const { rows } = await db.query<{ s: string }>(`SELECT coalesce(max(seq), 0)::text AS s FROM ${schema}.audit_log`);
  return BigInt(rows[0]!.s);
}

async function addMember(db: pg.Pool, schema: string, email: string): Promise<void> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('audit.context', $1, true)", [JSON.stringify(ctx)]);
    await client.query(`INSERT INTO ${schema}.users (id, email, name, updated_at) VALUES (gen_random_uuid(), $1, 'late', now())`, [email]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The platform audit log's rows about one tenant's moves, oldest first. */
async function platformAuditOf(slug: string): Promise<{ action: string; metadata: Record<string, unknown> }[]> {
  const { rows } = await platform.query<{ action: string; metadata: Record<string, unknown> }>(
    `SELECT action, metadata FROM platform_audit.audit_log WHERE action LIKE 'tenant.move%' AND metadata->>'slug' = $1 ORDER BY seq`,
    [slug],
  );
  return rows;
}

describe("tenants move", () => {
  it("copies every table and the sealed audit chain exactly, switches placement and drops the old copy", async () => {
    const slug = await seededTenant("mv");
    const schema = schemaNameFor(slug);
    // Everything up to lastSeq sealed first: the digest compares sealed rows (something
    // written meanwhile, e.g. the owner's invitation mail event, lands above lastSeq).
    const lastSeq = await maxSeq(platform, schema);
    expect((await sealNow(slug, { timeoutMs: 10_000 })).sealedThrough).toBeGreaterThanOrEqual(lastSeq);
    const before = await schemaDigest(platform, schema, { auditThroughSeq: lastSeq });

    const steps: string[] = [];
    const outcome = await moveTenant({ slug, to: c2.name, settleMs: 200, onStep: (s) => void steps.push(s) });

    expect(outcome).toMatchObject({ slug, from: "default", to: c2.name });
    expect(outcome.holdMs).toBeGreaterThan(0);
    expect(steps).toEqual(["target-created", "copied", "caught-up", "held", "final-copied", "switched", "verified", "source-dropped"]);
    expect(await clusterOf(platform, slug)).toBe(c2.name);
    expect(await hasSchema(platform, schema)).toBe(false);
    const { rows: ledgerLeft } = await platform.query("SELECT 1 FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    expect(ledgerLeft).toHaveLength(0);
    const { rows: ledgerThere } = await c2.pool.query("SELECT name FROM public.schema_migrations WHERE schema_name = $1", [schema]);
    expect(ledgerThere.length).toBeGreaterThan(5);

    // Row for row the same, audit rows (seq, prev_hash, hash) included; after them, only the move's own row.
    const after = await schemaDigest(c2.pool, schema, { auditThroughSeq: lastSeq });
    const { audit_chain_head: headBefore, ...restBefore } = before;
    const { audit_chain_head: headAfter, ...restAfter } = after;
    for (const table of Object.keys(restBefore)) expect(`${table} ${restAfter[table]}`).toBe(`${table} ${restBefore[table]}`);
    expect(Object.keys(restAfter).sort()).toEqual(Object.keys(restBefore).sort());
    expect(headBefore).toBeDefined();
    expect(headAfter).toBeDefined();
    // The move's own row, above the copied ones: the sequence carried over (else its seq would collide).
    const { rows: newer } = await c2.pool.query(`SELECT seq::text, action FROM ${schema}.audit_log WHERE seq > $1`, [lastSeq.toString()]);
    expect(newer.map((r: { action: string }) => r.action)).toContain("tenant.moved");

    // The chain verifies on the target through the move's own (sealed there) row.
    await sealNow(slug, { pool: c2.pool, timeoutMs: 5_000 });
    const report = await verifyChain(c2.pool, slug);
    expect(report).toMatchObject({ ok: true, unsealed: 0 });
    expect(BigInt(report.lastSeq)).toBeGreaterThan(lastSeq);

    // Writes go on, on the target, without a hold.
    await addMember(c2.pool, schema, `after@${slug}.test`);
    const [move] = await movesOf(platform, slug);
    expect(move).toMatchObject({ state: "done", error: null });
    expect(move!.hold_ms).toBe(outcome.holdMs);
    expect(move!.steps.map((s) => s.step)).toContain("source-dropped");
    // Every move is in the platform audit log.
    expect(await platformAuditOf(slug)).toEqual([
      expect.objectContaining({ action: "tenant.moved", metadata: expect.objectContaining({ moveId: outcome.moveId, from: "default", to: c2.name }) }),
    ]);
  }, 120_000);

  it("copies writes made during the move: nothing lost, nothing twice, and the hold refuses writes with TMOVE", async () => {
    const slug = await seededTenant("mvw", 500);
    const schema = schemaNameFor(slug);
    let stop = false;
    const written: string[] = [];
    const refused: string[] = [];
    let n = 0;
    // A writer that follows placement (as tenantDb does) and retries what the hold refused.
    const writer = (async () => {
      while (!stop) {
        const email = `w${++n}@${slug}.test`;
        for (;;) {
          const cluster = await clusterOf(platform, slug);
          try {
            await addMember(cluster === "default" ? platform : c2.pool, schema, email);
            written.push(email);
            break;
          } catch (err) {
            if (!isTenantWriteHold(err)) throw err;
            refused.push(email);
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await moveTenant({ slug, to: c2.name, settleMs: 200, smallRoundRows: 5 });
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await writer;

    expect(outcome.to).toBe(c2.name);
    expect(written.length).toBeGreaterThan(5);
    const { rows } = await c2.pool.query<{ email: string }>(`SELECT email FROM ${schema}.users WHERE name = 'late'`);
    expect(rows.map((r) => r.email).sort()).toEqual([...written].sort());
    // Each member write left exactly one audit row, and the chain holds.
    const { rows: audits } = await c2.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${schema}.audit_log WHERE action = 'user.created' AND changes->>'name' = 'late'`,
    );
    expect(audits[0]!.n).toBe(written.length);
    await sealNow(slug, { pool: c2.pool, timeoutMs: 5_000 });
    expect((await verifyChain(c2.pool, slug)).ok).toBe(true);
  }, 120_000);

  it("updates and deletions made during the move reach the target, also an email freed by a delete and taken by a new row", async () => {
    const slug = await seededTenant("mvu", 300);
    const schema = schemaNameFor(slug);
    const audited = async (db: pg.Pool, statements: [string, unknown[]][]) => {
      const client = await db.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT set_config('audit.context', $1, true)", [JSON.stringify(ctx)]);
        for (const [sql, params] of statements) await client.query(sql, params);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    };
    // The writer's own model of the users it manages: email -> name.
    const model = new Map<string, string>();
    let stop = false;
    let n = 0;
    const pick = () => [...model.keys()][Math.floor(Math.random() * model.size)];
    const writer = (async () => {
      while (!stop) {
        const i = ++n;
        const victim = model.size > 3 ? pick() : undefined;
        const op: { statements: [string, unknown[]][]; apply: () => void } =
          i % 4 === 1 && victim
            ? {
                statements: [[`UPDATE ${schema}.users SET name = $2, updated_at = now() WHERE email = $1`, [victim, `late renamed ${i}`]]],
                apply: () => model.set(victim, `late renamed ${i}`),
              }
            : i % 4 === 2 && victim
              ? { statements: [[`DELETE FROM ${schema}.users WHERE email = $1`, [victim]]], apply: () => model.delete(victim) }
              : i % 4 === 3 && victim
                ? {
                    // Same email, new row (new id): on the target the old row must go before the new one lands.
                    statements: [
                      [`DELETE FROM ${schema}.users WHERE email = $1`, [victim]],
                      [`INSERT INTO ${schema}.users (id, email, name, updated_at) VALUES (gen_random_uuid(), $1, $2, now())`, [victim, `late reborn ${i}`]],
                    ],
                    apply: () => model.set(victim, `late reborn ${i}`),
                  }
                : {
                    statements: [
                      [`INSERT INTO ${schema}.users (id, email, name, updated_at) VALUES (gen_random_uuid(), $1, 'late', now())`, [`u${i}@${slug}.test`]],
                    ],
                    apply: () => model.set(`u${i}@${slug}.test`, "late"),
                  };
        for (;;) {
          const cluster = await clusterOf(platform, slug);
          try {
            await audited(cluster === "default" ? platform : c2.pool, op.statements);
            op.apply();
            break;
          } catch (err) {
            if (!isTenantWriteHold(err)) throw err;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 400));
    await moveTenant({ slug, to: c2.name, settleMs: 200, smallRoundRows: 1 });
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await writer;

    expect(n).toBeGreaterThan(8);
    const { rows } = await c2.pool.query<{ email: string; name: string }>(`SELECT email, name FROM ${schema}.users WHERE name LIKE 'late%'`);
    expect(new Map(rows.map((r) => [r.email, r.name]))).toEqual(model);
    await sealNow(slug, { pool: c2.pool, timeoutMs: 5_000 });
    expect((await verifyChain(c2.pool, slug)).ok).toBe(true);
  }, 120_000);

  it("a failed move leaves the tenant where it was, writable, says why and leaves no copy", async () => {
    const slug = await seededTenant("mvf", 200);
    const schema = schemaNameFor(slug);
    // A write transaction that keeps the tenant's users table: the hold cannot be taken in time.
    const blocker = await platform.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT set_config('audit.context', $1, true)", [JSON.stringify(ctx)]);
    await blocker.query(`UPDATE ${schema}.users SET name = 'blocking' WHERE email = $1`, [`m1@${slug}.test`]);
    let err: unknown;
    try {
      await moveTenant({ slug, to: c2.name, holdLockTimeoutMs: 300 });
    } catch (e) {
      err = e;
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/failed at step "caught-up".*held its tables.*stays on default, writable/);
    expect(await clusterOf(platform, slug)).toBe("default");
    expect(await hasSchema(c2.pool, schema)).toBe(false);
    await addMember(platform, schema, `still-writable@${slug}.test`); // no hold left behind
    const [move] = await movesOf(platform, slug);
    expect(move).toMatchObject({ state: "failed" });
    expect(move!.error).toMatch(/held its tables/);
    // The failure is in the platform audit log, with why.
    expect(await platformAuditOf(slug)).toEqual([
      expect.objectContaining({ action: "tenant.move_failed", metadata: expect.objectContaining({ error: expect.stringMatching(/held its tables/) }) }),
    ]);
    // And the next move goes through.
    await moveTenant({ slug, to: c2.name, settleMs: 100 });
    expect(await clusterOf(platform, slug)).toBe(c2.name);
    expect((await platformAuditOf(slug)).map((r) => r.action)).toEqual(["tenant.move_failed", "tenant.moved"]);
  }, 120_000);
});

describe("tenants move refusals (CLI): a clear message, exit code, nothing changed", () => {
  const cli = (args: string[]) => runScript("scripts/tenants.ts", args);

  async function unchanged(slug: string, fn: () => Promise<void>) {
    const schema = schemaNameFor(slug);
    const before = { cluster: await clusterOf(platform, slug), moves: (await movesOf(platform, slug)).length, digest: await schemaDigest(platform, schema) };
    await fn();
    expect(await clusterOf(platform, slug)).toBe(before.cluster);
    expect((await movesOf(platform, slug)).length).toBe(before.moves);
    expect(await schemaDigest(platform, schema)).toEqual(before.digest);
  }

  it("unknown cluster: exit 2", async () => {
    const slug = await seededTenant("mvr", 10);
    await unchanged(slug, async () => {
      const r = await cli(["move", slug, "--to", "nowhere"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Unknown database cluster "nowhere"/);
    });
    const usage = await cli(["move", slug]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--to <cluster> is required/);
  }, 60_000);

  it("suspended tenant: exit 1", async () => {
    const slug = await seededTenant("mvr", 10);
    await setTenantStatus(slug, "suspended");
    await unchanged(slug, async () => {
      const r = await cli(["move", slug, "--to", c2.name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is suspended: only an active tenant is moved/);
    });
  }, 60_000);

  it("target already has the schema: exit 1, and the schema there is left alone", async () => {
    const slug = await seededTenant("mvr", 10);
    const schema = schemaNameFor(slug);
    await c2.pool.query(`CREATE SCHEMA ${schema}`);
    await c2.pool.query(`CREATE TABLE ${schema}.keep_me (x int)`);
    await unchanged(slug, async () => {
      const r = await cli(["move", slug, "--to", c2.name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`Cluster ${c2.name} already has a schema ${schema}`));
    });
    const { rows } = await c2.pool.query(`SELECT to_regclass('${schema}.keep_me') IS NOT NULL AS kept`);
    expect(rows[0].kept).toBe(true);
    await c2.pool.query(`DROP SCHEMA ${schema} CASCADE`);
  }, 60_000);

  it("a tenant already on the cluster: exit 2", async () => {
    const slug = await seededTenant("mvr", 10);
    await unchanged(slug, async () => {
      const r = await cli(["move", slug, "--to", "default"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/already on cluster default/);
    });
  }, 60_000);
});

/** Starts the CLI move, resolves once it printed "paused after <step>". */
function pausedMove(slug: string, to: string, step: string): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/tenants.ts", "move", slug, "--to", to, "--pause-after", step], {
    cwd: repoRoot,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: a kill -9 reaches tsx's node child too
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the move did not pause after ${step}:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`paused after ${step}`)) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the move exited (${code}) before pausing:\n${out}`));
    });
  });
}

/** SIGKILL: the whole process group (tsx and the node process it runs). SIGTERM: tsx, which relays it once. */
function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", (code) => {
      if (signal === "SIGKILL")
        setTimeout(() => resolve(code), 300); // the group's other process ends too
      else resolve(code);
    });
    if (signal === "SIGKILL") process.kill(-child.pid!, "SIGKILL");
    else child.kill(signal);
  });
}

describe("killed and interrupted moves (CLI)", () => {
  const cli = (args: string[]) => runScript("scripts/tenants.ts", args);

  it("two moves at once: the second is refused while the first runs; killed during the hold, the tenant stays on its source and a rerun cleans up and moves it", async () => {
    const slug = await seededTenant("mvk", 300);
    const schema = schemaNameFor(slug);
    const first = await pausedMove(slug, c2.name, "held");

    const second = await cli(["move", slug, "--to", c2.name]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Another move of tenant "[a-z0-9-]+" is running right now/);

    // Held: reads work, writes are refused by the source itself.
    const { rows } = await platform.query(`SELECT count(*)::int AS n FROM ${schema}.users`);
    expect(rows[0].n).toBe(21);
    await expect(addMember(platform, schema, `held@${slug}.test`)).rejects.toSatisfy(isTenantWriteHold);

    await kill(first.child, "SIGKILL");
    // Served from exactly one cluster: placement never moved.
    expect(await clusterOf(platform, slug)).toBe("default");
    expect((await movesOf(platform, slug))[0]).toMatchObject({ state: "holding" });

    const rerun = await cli(["move", slug, "--to", c2.name]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/cleaned up the interrupted move .*\(killed after step "held"\)/);
    expect(rerun.stdout).toMatch(new RegExp(`moved ${slug} from default to ${c2.name}`));
    expect(await clusterOf(platform, slug)).toBe(c2.name);
    expect(await hasSchema(platform, schema)).toBe(false);
    const moves = await movesOf(platform, slug);
    expect(moves.map((m) => m.state)).toEqual(["failed", "done"]);
    expect(moves[0]!.error).toMatch(/interrupted after step "held"/);
    const history = await cli(["moves", slug]);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`default -> ${c2.name}  failed .*interrupted after step "held"`));
    expect(history.stdout).toMatch(new RegExp(`default -> ${c2.name}  done  read-only \\d+ ms`));
  }, 180_000);

  it("killed after the switch: the tenant is on the target; a rerun verifies and drops the old copy", async () => {
    const slug = await seededTenant("mvk", 300);
    const schema = schemaNameFor(slug);
    const first = await pausedMove(slug, c2.name, "switched");
    await kill(first.child, "SIGKILL");
    expect(await clusterOf(platform, slug)).toBe(c2.name);
    expect(await hasSchema(platform, schema)).toBe(true); // not dropped yet
    // The old copy still refuses writes: a stale instance cannot write there.
    await expect(addMember(platform, schema, `stale@${slug}.test`)).rejects.toSatisfy(isTenantWriteHold);

    const rerun = await cli(["move", slug, "--to", c2.name]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/finished the interrupted move/);
    expect(await hasSchema(platform, schema)).toBe(false);
    expect((await movesOf(platform, slug)).map((m) => m.state)).toEqual(["done"]);
    expect((await verifyChain(c2.pool, slug)).ok).toBe(true);
  }, 180_000);

  it("interrupted (SIGTERM) during the hold: the move fails cleanly, the tenant stays writable where it was", async () => {
    const slug = await seededTenant("mvk", 100);
    const schema = schemaNameFor(slug);
    const first = await pausedMove(slug, c2.name, "held");
    const code = await kill(first.child, "SIGTERM");
    expect(code).toBe(1);
    expect(first.out()).toMatch(/stays on default, writable/);
    expect(await clusterOf(platform, slug)).toBe("default");
    expect(await hasSchema(c2.pool, schema)).toBe(false);
    await addMember(platform, schema, `after-abort@${slug}.test`);
    expect((await movesOf(platform, slug))[0]).toMatchObject({ state: "failed" });
  }, 180_000);
});
