// The alerting rules and the scrape configuration, checked by Prometheus' own tool:
// `promtool test rules` runs each rule's unit test (ops/prometheus/tests). promtool
// comes with Debian's `prometheus` package (.ci/run installs it); without it this test
// FAILS, it is never skipped.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import "@/lib/audit/metrics";
import "@/lib/auth/metrics";
import "@/lib/integrations/inbox/metrics";
import "@/lib/integrations/outbound/metrics";
import "@/lib/observability/collectors";
import "@/lib/observability/http";
import "@/lib/observability/workflows";
import "@/lib/ratelimit/metrics";
import "@/lib/redis/outage-gate";
import { declared } from "@/lib/observability/metrics";

const root = path.resolve(import.meta.dirname, "..");
const dir = path.join(root, "ops/prometheus");

function promtool(args: string[]): { code: number | null; output: string } {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
  if (r.error) throw new Error(`promtool is required for these tests (apt-get install -y prometheus): ${r.error.message}`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("Prometheus rules and scrape config", () => {
  it("promtool is installed", () => {
    expect(() => execFileSync("promtool", ["--version"], { stdio: "pipe" }), "apt-get install -y prometheus").not.toThrow();
  });

  it("every alert has a unit test where it fires and one where it does not", () => {
    const alerts = [...readFileSync(path.join(dir, "alerts.yml"), "utf8").matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(11);
    const tests = readFileSync(path.join(dir, "tests/alerts.test.yml"), "utf8");
    // Each `alertname:` entry, and whether exp_alerts follows it (before the next entry).
    const cases = [...tests.matchAll(/alertname: (\w+)\n((?:(?!\s*- eval_time).*\n)*)/g)].map((m) => ({ name: m[1]!, fires: /exp_alerts:/.test(m[2]!) }));
    for (const alert of alerts) {
      expect(
        cases.some((c) => c.name === alert && c.fires),
        `${alert} fires somewhere`,
      ).toBe(true);
      expect(
        cases.some((c) => c.name === alert && !c.fires),
        `${alert} stays quiet somewhere`,
      ).toBe(true);
    }
  });

  it("promtool check rules accepts alerts.yml", () => {
    const r = promtool(["check", "rules", "alerts.yml"]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it("promtool test rules passes every rule's unit test", () => {
    const r = promtool(["test", "rules", "tests/alerts.test.yml"]);
    expect(r.output, r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it("the Grafana dashboard's queries parse, and they and the rules only name series the app declares", () => {
    const dashboard = JSON.parse(readFileSync(path.join(root, "ops/grafana/tenant-platform.json"), "utf8")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll("$instance", ".*")));
    expect(exprs.length).toBeGreaterThan(20);
    // PromQL syntax, checked by promtool: each query as a recording rule.
    const tmp = mkdtempSync(path.join(tmpdir(), "prom-dash-"));
    const rules = [
      "groups:",
      "  - name: dashboard",
      "    rules:",
      ...exprs.flatMap((e, i) => [`      - record: dashboard_query_${i}`, `        expr: ${JSON.stringify(e)}`]),
    ];
    writeFileSync(path.join(tmp, "rules.yml"), `${rules.join("\n")}\n`);
    const r = spawnSync("promtool", ["check", "rules", path.join(tmp, "rules.yml")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
    // Series names: declared by the app (suffixes of histograms aside), or prom-client's process metrics.
    const names = new Set([...declared.keys()]);
    const alerts = readFileSync(path.join(dir, "alerts.yml"), "utf8");
    for (const used of [...`${exprs.join(" ")} ${alerts}`.matchAll(/\bplatform_[a-z_]+/g)].map((m) => m[0])) {
      expect(names.has(used.replace(/_(bucket|count|sum)$/, "")), `${used} is declared`).toBe(true);
    }
    // Every platform series is on the dashboard.
    for (const name of [...names].filter((n) => n.startsWith("platform_"))) {
      expect(
        exprs.some((e) => e.includes(name)),
        `${name} on the dashboard`,
      ).toBe(true);
    }
  });

  it("promtool check config accepts the scrape config (with a token file in place)", () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "prom-config-"));
    const tokenFile = path.join(tmp, "token");
    writeFileSync(tokenFile, "x".repeat(64));
    const config = readFileSync(path.join(dir, "prometheus.yml"), "utf8")
      .replace("/etc/prometheus/tenant-platform-metrics-token", tokenFile)
      .replace("- alerts.yml", `- ${path.join(dir, "alerts.yml")}`);
    writeFileSync(path.join(tmp, "prometheus.yml"), config);
    const r = spawnSync("promtool", ["check", "config", path.join(tmp, "prometheus.yml")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});
