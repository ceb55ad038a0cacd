// The audit trail from the command line:
//   npm run audit:verify -- <slug>                 walk the chain, report the first broken link
//   npm run audit:export -- <slug> [--format jsonl|csv] [--from ISO] [--to ISO] [--out file]
//   npm run audit:verify-export -- <file.jsonl>    verify an export or archive offline
//   npm run audit:retention -- [slug ...]          apply each tenant's retention setting
//   npm run audit:report -- <slug> --from ISO --to ISO [--json]   the compliance report
import "./lib/load-dev-env"; // first: fills unset variables from a running `npm run dev`
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { applyRetention } from "@/lib/audit/apply-retention";
import { systemContext } from "@/lib/audit/context";
import { exportQuerySchema, startAuditExport } from "@/lib/audit/export";
import { complianceReport, reportQuerySchema } from "@/lib/audit/report";
import { verifyChain } from "@/lib/audit/verify-chain";
import { verifyExportLines } from "@/lib/audit/verify-export";
import { tenantPool } from "@/lib/db/tenant-pool";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { slugSchema } from "@/lib/tenancy/slug";
import { AppError } from "@/lib/errors/app-error";
import { runCli, UsageError } from "./lib/run-cli";

const usage = `usage:
  npm run audit:verify -- <slug>
  npm run audit:export -- <slug> [--format jsonl|csv] [--from ISO-time] [--to ISO-time] [--out file]
  npm run audit:verify-export -- <file.jsonl>
  npm run audit:retention -- [slug ...]
  npm run audit:report -- <slug> --from ISO-time --to ISO-time [--json]`;

async function tenantSlug(raw: string | undefined): Promise<string> {
  if (!raw) throw new UsageError("missing <slug>");
  const slug = parseOrThrow(slugSchema, raw, "slug");
  if (!(await findTenantBySlug(slug))) throw new AppError("not_found", `No tenant with the slug "${slug}".`);
  return slug;
}

await runCli(usage, async () => {
  const [command, ...rest] = process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        format: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  switch (command) {
    case "verify": {
      if (positionals.length !== 1) throw new UsageError("expected verify <slug>");
      const slug = await tenantSlug(positionals[0]);
      const report = await verifyChain(await tenantPool(slug), slug);
      const unsealed = report.unsealed ? `; ${report.unsealed} newer row(s) not sealed yet, not checked` : "";
      if (report.ok) {
        console.log(`${slug}: chain intact, ${report.rowsChecked} rows checked (from seq ${report.startedAfterSeq} to ${report.lastSeq})${unsealed}`);
        return 0;
      }
      console.error(`${slug}: CHAIN BROKEN at seq ${report.firstBroken?.seq}: ${report.firstBroken?.problem}`);
      return 1;
    }
    case "export": {
      if (positionals.length !== 1) throw new UsageError("expected export <slug>");
      const slug = await tenantSlug(positionals[0]);
      const query = parseOrThrow(exportQuerySchema, { format: values.format, from: values.from, to: values.to }, "export options");
      const out = values.out ? createWriteStream(values.out) : process.stdout;
      const lines = await startAuditExport(await tenantPool(slug), slug, systemContext("audit CLI"), query);
      if (lines.unsealed) console.error(`${slug}: ${lines.unsealed} newer row(s) not sealed yet are not in the export`);
      for await (const line of lines) if (!out.write(line)) await once(out, "drain");
      if (values.out)
        await new Promise<void>((resolve, reject) =>
          (out as ReturnType<typeof createWriteStream>).end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
      return 0;
    }
    case "verify-export": {
      if (positionals.length !== 1) throw new UsageError("expected verify-export <file>");
      const lines = createInterface({ input: createReadStream(positionals[0]!), crlfDelay: Infinity });
      const report = await verifyExportLines(lines);
      if (report.ok) {
        console.log(`export intact: ${report.rows} rows, seq ${report.firstSeq} to ${report.lastSeq}, last hash ${report.lastHash}`);
        return 0;
      }
      console.error(`EXPORT BROKEN: ${report.problem}`);
      return 1;
    }
    case "retention": {
      const results = await applyRetention(positionals.length ? positionals.map((s) => parseOrThrow(slugSchema, s, "slug")) : undefined);
      for (const r of results) {
        if (r.result === "keep-forever") console.log(`${r.slug}: keeps its audit log forever`);
        else console.log(`${r.slug}: ${r.result.purged} rows archived${r.result.archive ? ` to ${r.result.archive}` : ""} and removed`);
      }
      return 0;
    }
    case "report": {
      if (positionals.length !== 1) throw new UsageError("expected report <slug> --from <time> --to <time>");
      const slug = await tenantSlug(positionals[0]);
      const query = parseOrThrow(reportQuerySchema, { from: values.from, to: values.to }, "report period");
      const report = await complianceReport(await tenantPool(slug), slug, query);
      if (values.json) {
        console.log(JSON.stringify(report, null, 2));
        return 0;
      }
      console.log(`Audit report for ${slug}, ${report.from} to ${report.to}: ${report.totalEvents} events`);
      console.log(`  sign-in failures ${report.signInFailures}, lockouts ${report.lockouts}, permission denials ${report.permissionDenials}`);
      console.log("  by action:");
      for (const a of report.byAction) console.log(`    ${String(a.count).padStart(8)}  ${a.action}`);
      console.log("  by actor:");
      for (const a of report.byActor) console.log(`    ${String(a.count).padStart(8)}  ${a.actorType} ${a.actorLabel ?? a.actorId ?? ""}`);
      for (const [kind, items] of Object.entries(report.changes)) {
        console.log(`  changes to ${kind}: ${items.length}`);
        for (const c of items) console.log(`    ${c.occurredAt}  ${c.action}  ${c.summary}`);
      }
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : "missing command");
  }
});
