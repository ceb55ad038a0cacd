// Secrets at rest from the command line:
//   npm run secrets:rotate -- [slug ...] [--dry-run] [--batch-size N] [--json]
// re-encrypts every sealed value (lib/crypto/sealed-columns.ts) of every tenant (or of
// the named ones) under the first key of ENCRYPTION_KEYS. Key rotation: put a new key
// in front of ENCRYPTION_KEYS, deploy, run this until it reports no failures, then
// remove the old key. Exits 1 if any value failed to open (listed by tenant, table,
// column and row id; never the value) or a tenant could not be processed.
import "./lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { parseArgs } from "node:util";
import { rotateSecrets, type ColumnRotation, type TenantRotation } from "@/lib/crypto/rotate-secrets";
import { serverEnv } from "@/lib/env";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { slugSchema } from "@/lib/tenancy/slug";
import { runCli, UsageError } from "./lib/run-cli";

const usage = `usage:
  npm run secrets:rotate -- [slug ...] [--dry-run] [--batch-size N] [--json]
    re-encrypt every secret at rest under the first key of ENCRYPTION_KEYS
    (all tenants unless slugs are given; --dry-run counts without writing)`;

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const num = (n: number, width: number) => String(n).padStart(width);

function columnLine(slug: string, c: ColumnRotation, slugWidth: number): string {
  return `${pad(slug, slugWidth)}  ${pad(`${c.table}.${c.column}`, 36)}${num(c.rotated, 9)}${num(c.current, 9)}${num(c.failed, 8)}`;
}

await runCli(usage, async () => {
  const [command, ...rest] = process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { "dry-run": { type: "boolean" }, "batch-size": { type: "string" }, json: { type: "boolean" } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  switch (command) {
    case "rotate": {
      const slugs = positionals.length ? positionals.map((s) => parseOrThrow(slugSchema, s, "slug")) : undefined;
      let batchSize: number | undefined;
      if (values["batch-size"] !== undefined) {
        batchSize = Number(values["batch-size"]);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError("--batch-size must be a whole number from 1 to 10000");
      }
      const dryRun = values["dry-run"] ?? false;
      const json = values.json ?? false;
      const slugWidth = Math.max(20, ...(slugs ?? []).map((s) => s.length));
      const printTenant = (t: TenantRotation) => {
        if (json) return;
        for (const c of t.columns) console.log(columnLine(t.slug, c, slugWidth));
        for (const c of t.columns) {
          for (const f of c.failures) console.error(`FAILED ${t.slug} ${c.table}.${c.column} row ${f.id}: ${f.reason}`);
        }
        if (t.error) console.error(`FAILED ${t.slug}: ${t.error}`);
      };
      if (!json) {
        console.log(
          `Re-encrypting secrets at rest under key ${serverEnv().ENCRYPTION_KEYS[0]!.kid}, the first of ENCRYPTION_KEYS${dryRun ? " (dry run: nothing is written)" : ""}`,
        );
        console.log(
          `${pad("tenant", slugWidth)}  ${pad("column", 36)}${(dryRun ? "to rotate" : "rotated").padStart(9)}${"current".padStart(9)}${"failed".padStart(8)}`,
        );
      }
      const report = await rotateSecrets({ slugs, dryRun, batchSize, onTenant: printTenant });
      if (json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        const t = report.totals;
        console.log(
          `total: ${t.rotated} ${dryRun ? "to rotate" : "rotated"}, ${t.current} already current, ${t.failed} failed` +
            `${t.tenantErrors ? `, ${t.tenantErrors} tenant(s) not processed` : ""} in ${report.tenants.length} tenant(s); newest key ${report.keyId}`,
        );
        if (!report.ok) console.error("Some secrets were not rotated: do not remove the old key yet.");
      }
      return report.ok ? 0 : 1;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "missing command");
  }
});
