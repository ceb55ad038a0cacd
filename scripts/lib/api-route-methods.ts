// The methods each route file under app/api (and app/platform/api) exports, read from the source with the same
// rule as test/openapi.test.ts (`export const|function|async function METHOD`). It feeds
// scripts/lib/api-route-methods.json, from which the launcher (scripts/start.mjs) writes
// the Allow header of a 405; test/method-not-allowed.test.ts fails when that file is stale.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The methods a route file may export (Next's HTTP_METHODS). */
export const routeMethods = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"] as const;

/** Route template (`/api/v1/users/[id]`, route groups left out) -> the methods its route.ts exports, sorted. */
export type RouteMethodTable = Record<string, string[]>;

export function scanApiRoutes(root: string): RouteMethodTable {
  const appDir = path.join(root, "app");
  const table: RouteMethodTable = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      // Private folders (_x) are not routes.
      if (entry.isDirectory() && !entry.name.startsWith("_")) walk(full);
      else if (entry.name === "route.ts") {
        const source = readFileSync(full, "utf8");
        const segments = path
          .relative(appDir, dir)
          .split(path.sep)
          .filter((s) => !/^\(.*\)$/.test(s));
        table[`/${segments.join("/")}`] = routeMethods.filter((m) => new RegExp(`export\\s+(const|async\\s+function|function)\\s+${m}\\b`).test(source)).sort();
      }
    }
  };
  // The public API, and the operator console's JSON API (served at /platform/api/*).
  walk(path.join(appDir, "api"));
  walk(path.join(appDir, "platform", "api"));
  return table;
}

/** The file's text: stable (sorted keys, one route a line, as Prettier writes it) so a diff shows what changed. */
export function renderTable(table: RouteMethodTable): string {
  const lines = Object.keys(table)
    .sort()
    .map((k) => `  ${JSON.stringify(k)}: [${(table[k] ?? []).map((m) => JSON.stringify(m)).join(", ")}]`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

export const tableFile = "scripts/lib/api-route-methods.json";
