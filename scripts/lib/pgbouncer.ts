// PgBouncer in transaction mode in front of the test stack's databases, so the tests run
// the app the way a production deployment behind a pooler does: each transaction (or
// autocommit statement) may get a different server connection, and anything that relies
// on session state (SET without LOCAL, session advisory locks held across statements,
// named prepared statements) breaks. Debian's `pgbouncer` package provides the binary.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./embedded-db";

export interface RunningPgBouncer {
  /** The same databases, reached through PgBouncer: name -> URL. */
  urls: Map<string, string>;
  port: number;
  version: string;
  stop(): Promise<void>;
}

export function findPgBouncer(): string | undefined {
  for (const candidate of ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]) if (existsSync(candidate)) return candidate;
  const which = spawnSync("sh", ["-c", "command -v pgbouncer"], { encoding: "utf8" });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** libpq connection-string value: quoted, with ' and \ escaped. */
const quote = (v: string) => `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

export async function startPgBouncer(targets: Map<string, string>, options: { poolSize?: number } = {}): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error("pgbouncer is not installed (Debian: apt-get install -y pgbouncer)");
  const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]?.trim() ?? "pgbouncer";
  const dir = mkdtempSync(path.join(tmpdir(), "platform-pgbouncer-"));
  // Run as root it drops to the postgres OS user, which must read its files.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const users = new Set<string>();
  const databases: string[] = [];
  const urls = new Map<string, string>();
  for (const [name, raw] of targets) {
    const url = new URL(raw);
    const alias = `c_${name.replaceAll("-", "_")}`;
    const user = decodeURIComponent(url.username || "postgres");
    users.add(user);
    const parts = [`host=${url.hostname}`, `port=${url.port || "5432"}`, `dbname=${quote(decodeURIComponent(url.pathname.slice(1)))}`, `user=${quote(user)}`];
    if (url.password) parts.push(`password=${quote(decodeURIComponent(url.password))}`);
    databases.push(`${alias} = ${parts.join(" ")}`);
    const through = new URL(`postgresql://127.0.0.1:${port}/${alias}`);
    through.username = url.username || "postgres";
    urls.set(name, through.toString());
  }
  const size = options.poolSize ?? 20;
  writeFileSync(path.join(dir, "userlist.txt"), [...users].map((u) => `"${u}" ""`).join("\n") + "\n", { mode: 0o644 });
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      ...databases,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      // Loopback only, for the test run: the clients are the tests; the servers' own auth applies behind it.
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${size}`,
      `max_db_connections = ${size}`,
      "max_client_conn = 2000",
      "ignore_startup_parameters = extra_float_digits,options",
      "server_reset_query =",
      "logfile =",
      "pidfile =",
    ].join("\n") + "\n",
    { mode: 0o644 },
  );
  const args = process.getuid?.() === 0 ? ["-u", "postgres", path.join(dir, "pgbouncer.ini")] : [path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started = Date.now();
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() - started > 10_000) {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start: ${stderr.trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    urls,
    port,
    version,
    async stop() {
      // SIGTERM: immediate shutdown (the clients are gone by then).
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
