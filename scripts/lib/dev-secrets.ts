// The secrets `npm run dev` and `npm test` need when the environment gives none:
// dev keeps them in .data/dev-secrets.json (so sign-ins survive a restart), tests
// make fresh ones per run. Production must set them (lib/env.ts refuses to start).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const names = ["AUTH_SECRET", "ENCRYPTION_KEYS"] as const;

function fresh(): Record<(typeof names)[number], string> {
  return {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  };
}

/** The values to add to the environment: only those it does not set already. */
export function devSecrets(mode: "dev" | "test", root: string): Record<string, string> {
  let values = fresh();
  if (mode === "dev") {
    const file = path.join(root, ".data", "dev-secrets.json");
    if (existsSync(file)) values = { ...values, ...(JSON.parse(readFileSync(file, "utf8")) as Partial<typeof values>) };
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
    }
  }
  return Object.fromEntries(names.filter((n) => !process.env[n]).map((n) => [n, values[n]]));
}
