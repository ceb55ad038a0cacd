// The series the platform can produce, from the declarations themselves: every label is
// bounded (a list, or an open label with a limit), no label can hold a user id, a path
// or an email, and a tenant label appears only on the per-tenant inbox and circuit
// gauges. The README's figure for 10,000 tenants is this test's arithmetic.
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
import { TENANT_LABEL_LIMIT } from "@/lib/observability/bounds";
import { declared, maxSeries, type LabelSpec } from "@/lib/observability/metrics";

const platform = () => [...declared].filter(([name]) => name.startsWith("platform_"));
const isOpen = (spec: LabelSpec) => !Array.isArray(spec);

describe("series cardinality", () => {
  it("declares the series the issue asks for", () => {
    const names = platform().map(([name]) => name);
    for (const name of [
      "platform_http_requests_total",
      "platform_http_request_duration_seconds",
      "platform_webhook_deliveries_total",
      "platform_inbox_backlog",
      "platform_inbox_dead_letters",
      "platform_inbox_stuck",
      "platform_workflow_runs_total",
      "platform_webhook_processing_lag_seconds",
      "platform_outbound_calls_total",
      "platform_outbound_call_duration_seconds",
      "platform_circuit_state",
      "platform_ratelimit_refusals_total",
      "platform_signin_failures_total",
      "platform_account_lockouts_total",
      "platform_db_pool_connections",
      "platform_redis_errors_total",
      "platform_redis_gate_open",
      "platform_audit_appends_total",
      "platform_audit_verifications_total",
      "platform_audit_unsealed_rows",
      "platform_audit_seal_lag_seconds",
    ])
      expect(names).toContain(name);
  });

  it("bounds every label, and never labels by user, path, email or raw id", () => {
    for (const [name, d] of platform()) {
      for (const [label, spec] of Object.entries(d.labels)) {
        expect(["user", "user_id", "email", "path", "url", "id", "request_id"], `${name}{${label}}`).not.toContain(label);
        if (isOpen(spec)) expect((spec as { limit: number }).limit, `${name}{${label}} has a limit`).toBeGreaterThan(0);
        else expect((spec as readonly string[]).length, `${name}{${label}} lists its values`).toBeGreaterThan(0);
      }
    }
  });

  it("puts a tenant label only where the number of tenants is the bound", () => {
    const withTenant = platform()
      .filter(([, d]) => "tenant" in d.labels)
      .map(([name]) => name)
      .sort();
    expect(withTenant).toEqual([
      "platform_circuit_state",
      "platform_inbox_backlog",
      "platform_inbox_dead_letters",
      "platform_inbox_stuck",
      "platform_inbox_undispatched",
    ]);
  });

  it("stays within the documented bound for 10,000 tenants", () => {
    expect(TENANT_LABEL_LIMIT).toBe(10_000);
    const rows = platform().map(([name, d]) => ({ name, bound: maxSeries(d.labels, d.kind, d.buckets, d.seriesLimit) }));
    const total = rows.reduce((n, r) => n + r.bound, 0);
    const perTenant = rows.filter((r) => r.name.startsWith("platform_inbox_")).reduce((n, r) => n + r.bound, 0);
    console.log(`series bounds:\n${rows.map((r) => `  ${r.name} ${r.bound}`).join("\n")}\n  total ${total} (inbox gauges ${perTenant})`);
    // Four inbox gauges, one series per tenant with something to show, at most.
    expect(perTenant).toBe(4 * (TENANT_LABEL_LIMIT + 1));
    expect(total).toBeLessThan(200_000);
  });
});
