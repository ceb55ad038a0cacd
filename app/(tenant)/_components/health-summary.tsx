// The dashboard's health summary across the tenant's integrations (lib/integrations/
// health-summary.ts): open circuits, dead letters and backlog, and links to the
// integrations that need attention. Shown to principals who may see integrations.
import Link from "next/link";
import { can, type UserPrincipal } from "@/lib/auth/principal";
import { healthSummary, type HealthSummary } from "@/lib/integrations/health-summary";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { log } from "@/lib/observability/logger";

function Figure({ label, value, testId, bad }: { label: string; value: number; testId: string; bad: boolean }) {
  return (
    <div className={`rounded-md border px-3 py-2 ${bad ? "border-red-200 bg-red-50" : "border-slate-200 bg-white"}`}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-1 text-2xl font-semibold ${bad ? "text-red-800" : "text-slate-900"}`} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export async function HealthSummaryPanel({ tenant, principal }: { tenant: TenantRecord; principal: UserPrincipal }) {
  if (!can(principal, "integrations:read")) return null;
  let summary: HealthSummary;
  try {
    summary = await healthSummary(tenant.slug);
  } catch (err) {
    log().error({ component: "integrations", reason: err instanceof Error ? err.message : String(err) }, "health summary failed");
    return (
      <p role="alert" className="mt-8 text-sm text-amber-800" data-testid="health-summary-unavailable">
        Integration health is not available right now; reload the page to try again.
      </p>
    );
  }
  return (
    <section aria-labelledby="health-summary-heading" className="mt-8" data-testid="health-summary">
      <h2 id="health-summary-heading" className="mb-3 text-lg font-semibold">
        Integration health
      </h2>
      {summary.integrations === 0 ? (
        <p className="text-sm text-slate-600">
          No integrations yet.{" "}
          <Link href="/integrations" className="text-indigo-700 hover:underline">
            Add one
          </Link>
          .
        </p>
      ) : (
        <>
          <dl className="grid gap-3 sm:grid-cols-3">
            <Figure label="Open circuits" value={summary.openCircuits} testId="summary-open-circuits" bad={summary.openCircuits > 0} />
            <Figure label="Dead letters" value={summary.deadLetters} testId="summary-dead-letters" bad={summary.deadLetters > 0} />
            <Figure label="Backlog" value={summary.backlog} testId="summary-backlog" bad={false} />
          </dl>
          {summary.circuitsUnknown ? (
            <p className="mt-2 text-xs text-amber-800" data-testid="summary-circuits-unknown">
              {summary.circuitsUnknown} circuit(s) could not be read (Redis is not answering).
            </p>
          ) : null}
          {summary.attention.length ? (
            <ul className="mt-3 divide-y divide-slate-100 rounded-md border border-slate-200 bg-white text-sm" data-testid="summary-attention">
              {summary.attention.map((a) => (
                <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2" data-testid={`attention-${a.id}`}>
                  <Link href={`/integrations/${a.id}`} className="min-w-0 truncate font-medium text-indigo-700 hover:underline" title={a.name}>
                    {a.name}
                  </Link>
                  <span className="text-xs text-slate-600">
                    {[a.circuit ? `circuit ${a.circuit}` : null, a.dead ? `${a.dead} dead` : null, a.backlog ? `${a.backlog} waiting` : null]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-3 text-sm text-green-800" data-testid="summary-all-healthy">
              All {summary.integrations} integration(s) are healthy.
            </p>
          )}
        </>
      )}
    </section>
  );
}
