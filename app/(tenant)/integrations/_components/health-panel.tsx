// One integration's health over the last hour (lib/integrations/health.ts), as a list
// of labelled figures.
import Link from "next/link";
import type { ReactNode } from "react";
import { Time } from "@/components/time";
import type { IntegrationHealth } from "@/lib/integrations/health";
import { StatusBadge } from "./status-badge";

function Figure({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-sm text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function HealthPanel({ health, kind, inboxHref }: { health: IntegrationHealth | null; kind: "webhook" | "rest"; inboxHref: string }) {
  if (!health) {
    return (
      <p role="alert" className="text-sm text-amber-800" data-testid="health-unavailable">
        Health figures are not available right now; reload the page to try again.
      </p>
    );
  }
  const rate = health.successRate === null ? "—" : `${(health.successRate * 100).toFixed(1)} %`;
  const what = kind === "rest" ? "calls" : "events";
  return (
    <>
      <p className="mb-3 text-xs text-slate-500">
        Last hour (<Time value={health.window.from} /> to <Time value={health.window.to} />
        ): {kind === "rest" ? "outbound calls" : "events received and finished"}.
      </p>
      <dl className="grid gap-3 sm:grid-cols-3" data-testid="health-panel">
        <Figure label="Success rate" testId="health-success-rate">
          {rate}
          {health.total ? (
            <span className="ml-1 text-xs text-slate-500">
              ({health.successes} of {health.total} {what})
            </span>
          ) : null}
        </Figure>
        <Figure label="p95 latency" testId="health-p95">
          {health.p95LatencyMs === null ? "—" : `${health.p95LatencyMs} ms`}
        </Figure>
        <Figure label="Circuit" testId="health-circuit">
          {health.circuit ? (
            <>
              <StatusBadge status={health.circuit.state} testId="circuit-state" />
              {health.circuit.retryAt && health.circuit.state !== "closed" ? (
                <span className="ml-1 text-xs text-slate-600">
                  retry at <Time value={health.circuit.retryAt} />
                </span>
              ) : null}
              {health.circuit.failures ? <span className="ml-1 text-xs text-slate-600">({health.circuit.failures} failure(s) in a row)</span> : null}
            </>
          ) : (
            <span className="text-slate-500">Not used by webhooks</span>
          )}
        </Figure>
        <Figure label="Last success" testId="health-last-success">
          <Time value={health.lastSuccessAt} none="Never" />
        </Figure>
        <Figure label="Last error" testId="health-last-error">
          {health.lastErrorAt ? (
            <>
              <Time value={health.lastErrorAt} />
              {health.lastError ? <span className="mt-1 block break-words text-xs text-red-800">{health.lastError}</span> : null}
            </>
          ) : (
            "None"
          )}
        </Figure>
        <Figure label="Backlog / dead letters" testId="health-inbox">
          <span data-testid="health-backlog">{health.inbox.backlog}</span> waiting
          {health.inbox.failed ? <span className="text-slate-600"> ({health.inbox.failed} failed, retrying)</span> : null}
          {health.inbox.stuck ? (
            <Link
              href={`${inboxHref}?status=received#inbox-heading`}
              className="text-amber-800 underline"
              data-testid="health-stuck"
              title={`Acknowledged by the workflow engine over ${health.inbox.stuckAfterSeconds} s ago and not processed: sent again automatically, or replay them.`}
            >
              {" "}
              ({health.inbox.stuck} stuck)
            </Link>
          ) : null}
          ,{" "}
          {health.inbox.dead ? (
            <Link href={`${inboxHref}?status=dead#inbox-heading`} className="text-red-700 underline" data-testid="health-dead">
              {health.inbox.dead} dead
            </Link>
          ) : (
            <span data-testid="health-dead">0 dead</span>
          )}
        </Figure>
      </dl>
    </>
  );
}
