// The audit chain's series. Appends are counted when the sealer chains them: every
// committed row once (trigger-written rows too), a rolled-back one never. Unsealed rows
// and the sealer's lag come from the sealer's own state (no query); verifications from
// verifyChain, wherever it runs (API, CLI).
import { counter, gauge } from "@/lib/observability/metrics";

export const auditAppends = counter({
  name: "platform_audit_appends_total",
  help: "Audit rows appended to the tenants' hash chains (counted as the sealer chains them).",
});
export const auditVerifications = counter({
  name: "platform_audit_verifications_total",
  help: "Audit chain verifications by result (ok, failed).",
  labels: { result: ["ok", "failed"] },
});

// Both series exist from start-up at 0, so the first failure is an increase Prometheus sees.
auditVerifications.inc({ result: "ok" }, 0);
auditVerifications.inc({ result: "failed" }, 0);

/** What the sealer knows: per tenant, rows drawn but not sealed at its last look, and since when it has been behind. */
export interface SealerView {
  unsealed(): number;
  oldestDirtyAt(): number | undefined;
  dirtyTenants(): number;
}

let view: SealerView | undefined;
export function exposeSealer(v: SealerView): void {
  view = v;
}

gauge({
  name: "platform_audit_unsealed_rows",
  help: "Audit rows drawn but not yet sealed into their chain, as this process's sealer last saw them.",
  aggregator: "max",
  collect: (g) => g.set({}, view?.unsealed() ?? 0),
});
gauge({
  name: "platform_audit_seal_lag_seconds",
  help: "How long the oldest tenant with unsealed audit rows has been waiting for the sealer (0: all sealed).",
  aggregator: "max",
  collect: (g) => {
    const at = view?.oldestDirtyAt();
    g.set({}, at === undefined ? 0 : Math.max(0, (Date.now() - at) / 1000));
  },
});
gauge({
  name: "platform_audit_unsealed_tenants",
  help: "Tenants whose audit rows the sealer has not fully sealed yet.",
  aggregator: "max",
  collect: (g) => g.set({}, view?.dirtyTenants() ?? 0),
});
