// What the CLIs need to work against a running `npm run dev` with no extra variables:
// the dev stack writes the effective connection settings and secrets to
// <DEV_DATA_DIR>/dev-env.json (mode 0600) once it is up, and removes the file when it
// stops. The CLIs (tenants, audit, secrets, db:migrate, inngest:runner) read it through
// ./load-dev-env.ts for the variables their environment does not set: the environment
// always wins, and stderr names the file the others came from (names only, never values).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { devDataDir } from "./dev-secrets";

/** The variables the CLIs may take from a running dev stack. */
export const devEnvNames = [
  "DATABASE_URL",
  "DATABASE_APP_ROLE",
  "REDIS_URL",
  "REDIS_KEY_PREFIX",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "APP_ROOT_DOMAIN",
  "AUTH_SECRET",
  "AUTH_JWT_KEYS",
  "ENCRYPTION_KEYS",
  "INNGEST_BASE_URL",
  "INNGEST_SIGNING_KEY",
  "INNGEST_EVENT_KEY",
  "SMTP_URL",
  "MAIL_FROM",
] as const;

type Env = Record<string, string | undefined>;

const fileSchema = z.object({
  pid: z.number().int().positive(),
  writtenAt: z.string(),
  // Partial: a stack writes only what it has (no AUTH_JWT_KEYS unless set, ...).
  env: z.partialRecord(z.enum(devEnvNames), z.string()),
});

export function devEnvFile(root = process.cwd()): string {
  return path.join(devDataDir(root), "dev-env.json");
}

/** Writes the running stack's settings (from `source`, the stack's effective environment); returns a remover. */
export function writeDevEnv(source: Env, root = process.cwd()): () => void {
  const file = devEnvFile(root);
  const env = Object.fromEntries(devEnvNames.flatMap((n) => (source[n] ? [[n, source[n]]] : [])));
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Replace, not overwrite in place: a new file gets mode 0600 even if an old one was wider.
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, writtenAt: new Date().toISOString(), env }, null, 2), { mode: 0o600 });
  return () => {
    // Only our own file: another dev stack may have written its own since.
    try {
      const current = fileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (current.success && current.data.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Fills the variables `env` does not set from a running dev stack's file. Returns the
 * names it applied and a line for stderr (or null when nothing was applied).
 */
export function applyDevEnv(env: Env = process.env, root = process.cwd()): { applied: string[]; note: string | null } {
  const file = devEnvFile(root);
  if (!existsSync(file)) return { applied: [], note: null };
  const shown = path.relative(root, file) || file;
  let parsed: z.infer<typeof fileSchema>;
  try {
    const result = fileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!result.success) return { applied: [], note: `${shown} is not a dev environment file; ignored` };
    parsed = result.data;
  } catch (err) {
    return { applied: [], note: `${shown} could not be read (${(err as Error).message}); ignored` };
  }
  if (!alive(parsed.pid)) return { applied: [], note: `${shown} is from a dev stack that is no longer running (pid ${parsed.pid}); ignored` };
  // Aimed at another database: the dev stack's secrets must not be mixed into that deployment.
  if (env.DATABASE_URL && parsed.env.DATABASE_URL && env.DATABASE_URL !== parsed.env.DATABASE_URL) {
    return { applied: [], note: null };
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parsed.env)) {
    if (env[name]) continue; // the environment always wins
    env[name] = value;
    applied.push(name);
  }
  return {
    applied,
    note: applied.length ? `${applied.join(", ")} from ${shown} (the running npm run dev, pid ${parsed.pid})` : null,
  };
}
