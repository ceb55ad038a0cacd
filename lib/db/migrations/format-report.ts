import type { MigrationReport } from "./runner";

/** Human-readable summary of a migration run, one line per schema that changed or failed. */
export function formatReport(report: MigrationReport): string {
  const lines: string[] = [];
  lines.push(report.platform.applied.length ? `public: applied ${report.platform.applied.join(", ")}` : "public: up to date");
  for (const t of report.tenants) {
    if (t.error) lines.push(`${t.schema}: FAILED ${t.error}`);
    else lines.push(`${t.schema}: applied ${t.applied.join(", ")}`);
  }
  const changed = report.tenants.filter((t) => !t.error).length;
  lines.push(
    `${report.tenantCount} tenant schema(s) checked, ${changed} migrated, ${report.failed} failed, ` +
      `${report.tenantCount - changed - report.failed} already up to date, in ${report.durationMs} ms`,
  );
  if (report.failed) lines.push("Fix the failures and run again: finished schemas are skipped, failed ones resume.");
  return lines.join("\n");
}
