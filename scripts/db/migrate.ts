// npm run db:migrate [-- --concurrency N --wait SECONDS --tenant slug ...]
import "../lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { parseArgs } from "node:util";
import { formatReport } from "@/lib/db/migrations/format-report";
import { migrateAll } from "@/lib/db/migrations/runner";
import { getPool } from "@/lib/db/pool";
import { serverEnv } from "@/lib/env";
import { runCli, UsageError } from "../lib/run-cli";

const usage = `usage: npm run db:migrate -- [--concurrency N] [--wait SECONDS] [--tenant <slug> ...] [--grant]
  Applies platform migrations, then tenant migrations to every tenant schema.
  --grant  re-applies DATABASE_APP_ROLE's privileges on every schema`;

await runCli(usage, async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        concurrency: { type: "string" },
        wait: { type: "string" },
        tenant: { type: "string", multiple: true },
        grant: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const concurrency = values.concurrency ? Number(values.concurrency) : serverEnv().MIGRATION_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError("--concurrency must be 1-64");
  const wait = values.wait ? Number(values.wait) : 60;
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError("--wait must be a number of seconds");
  const appRole = serverEnv().DATABASE_APP_ROLE;
  if (values.grant && !appRole) throw new UsageError("--grant needs DATABASE_APP_ROLE");
  const report = await migrateAll(getPool(), {
    concurrency,
    lockWaitMs: wait * 1000,
    slugs: values.tenant,
    appRole,
    regrant: Boolean(values.grant),
  });
  console.log(formatReport(report));
  return report.failed ? 1 : 0;
});
