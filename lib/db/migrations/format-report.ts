import type { MigrationReport } from "./runner";

/**
 * Human-readable summary of a migration run, one line per schema that changed or failed,
 * and one per cluster when the run spanned several or a cluster could not be reached.
 */
export function formatReport(report: MigrationReport): string {
  const lines: string[] = [];
  lines.push(report.platform.applied.length ? `public: applied ${report.platform.applied.join(", ")}` : "public: up to date");
  for (const t of report.tenants) {
    if (t.error) lines.push(`${t.schema}: FAILED ${t.error}`);
    else lines.push(`${t.schema}: applied ${t.applied.join(", ")}`);
  }
  const down = report.clusters.filter((c) => c.error);
  const spanned = report.clusters.filter((c) => c.tenantCount > 0).length > 1;
  if (spanned || down.length) {
    for (const c of report.clusters) {
      lines.push(
        c.error
          ? `cluster ${c.name}: NOT MIGRATED, ${c.error} (${c.tenantCount} tenant schema(s) not checked)`
          : `cluster ${c.name}: ${c.tenantCount} tenant schema(s) checked, ${c.migrated} migrated, ${c.failed} failed, in ${c.durationMs} ms`,
      );
    }
  }
  const changed = report.tenants.filter((t) => !t.error).length;
  lines.push(
    `${report.tenantCount} tenant schema(s) checked, ${changed} migrated, ${report.failed} failed, ` +
      `${report.tenantCount - changed - report.failed} already up to date, in ${report.durationMs} ms`,
  );
  if (report.failed) lines.push("Fix the failures and run again: finished schemas are skipped, failed ones resume.");
  return lines.join("\n");
}
