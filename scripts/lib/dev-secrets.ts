// The secrets `npm run dev` and `npm test` need when the environment gives none:
// dev keeps them in .data/dev-secrets.json (so sign-ins survive a restart), tests
// make fresh ones per run. Production must set them (lib/env.ts refuses to start).
// The Inngest keys are shared by the app and the local runner: /api/inngest only
// accepts calls signed with INNGEST_SIGNING_KEY, and the runner only accepts events
// sent to /e/<INNGEST_EVENT_KEY>.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { toolingEnv } from "@/lib/env";

// METRICS_TOKEN: the Bearer token of GET /api/metrics (Prometheus).
const names = ["AUTH_SECRET", "ENCRYPTION_KEYS", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY", "METRICS_TOKEN"] as const;
type DevSecrets = Record<(typeof names)[number], string>;

function fresh(mode: "dev" | "test"): DevSecrets {
  return {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    INNGEST_SIGNING_KEY: `signkey-${mode}-${randomBytes(32).toString("hex")}`,
    INNGEST_EVENT_KEY: randomBytes(24).toString("hex"),
    METRICS_TOKEN: randomBytes(32).toString("hex"),
  };
}

/** Where dev data lives (embedded PostgreSQL, secrets, the CLIs' environment): DEV_DATA_DIR, else <root>/.data. */
export function devDataDir(root: string): string {
  return path.resolve(root, toolingEnv().DEV_DATA_DIR);
}

/** The values to add to the environment: only those it does not set already. */
export function devSecrets(mode: "dev" | "test", root: string): Record<string, string> {
  let values = fresh(mode);
  if (mode === "dev") {
    const file = path.join(devDataDir(root), "dev-secrets.json");
    const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<DevSecrets>) : {};
    values = { ...values, ...stored };
    // A file from before a secret was added gets it now, so it stays the same across restarts.
    if (names.some((n) => !stored[n])) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
    }
  }
  return Object.fromEntries(names.filter((n) => !process.env[n]).map((n) => [n, values[n]]));
}
