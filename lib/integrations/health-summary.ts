// The health of all of a tenant's integrations at a glance, for the dashboard: open
// circuits, dead letters and backlog, in total and for each integration that needs
// attention. One query over the inbox, and one circuit read per rest integration
// (a tenant has at most 200 integrations).
import { tenantDb } from "@/lib/db/tenant-client";
import { schemaNameFor } from "@/lib/tenancy/slug";
import { quoteIdent } from "@/lib/db/identifier";
import { listIntegrations } from "./integrations";
import { circuitState } from "./outbound/circuit-breaker";

export interface IntegrationAttention {
  id: string;
  name: string;
  circuit: "open" | "half-open" | null;
  dead: number;
  backlog: number;
}

export interface HealthSummary {
  integrations: number;
  openCircuits: number;
  deadLetters: number;
  backlog: number;
  /** Integrations with an open circuit, dead letters or a backlog, worst first. */
  attention: IntegrationAttention[];
  /** Circuits that could not be read (Redis down): the summary says so rather than showing them closed. */
  circuitsUnknown: number;
}

interface InboxRow {
  integration_id: string;
  backlog: number;
  dead: number;
}

export async function healthSummary(slug: string): Promise<HealthSummary> {
  const integrations = await listIntegrations(slug);
  const [rows, circuits] = await Promise.all([
    tenantDb(slug).$queryRawUnsafe<InboxRow[]>(
      `SELECT integration_id::text,
              count(*) FILTER (WHERE status IN ('received', 'processing', 'failed'))::int AS backlog,
              count(*) FILTER (WHERE status = 'dead')::int AS dead
         FROM ${quoteIdent(schemaNameFor(slug))}.webhook_events
        WHERE status IN ('received', 'processing', 'failed', 'dead')
        GROUP BY integration_id`,
    ),
    Promise.all(
      integrations.map(async (i) =>
        i.kind === "rest"
          ? circuitState(slug, i.id).then(
              (c) => c.state,
              () => "unknown" as const,
            )
          : Promise.resolve("closed" as const),
      ),
    ),
  ]);
  const inbox = new Map(rows.map((r) => [r.integration_id, r]));
  const attention: IntegrationAttention[] = [];
  let circuitsUnknown = 0;
  integrations.forEach((integration, index) => {
    const state = circuits[index];
    if (state === "unknown") circuitsUnknown++;
    const circuit = state === "open" || state === "half-open" ? state : null;
    const row = inbox.get(integration.id);
    const dead = row?.dead ?? 0;
    const backlog = row?.backlog ?? 0;
    if (circuit || dead || backlog) attention.push({ id: integration.id, name: integration.name, circuit, dead, backlog });
  });
  attention.sort((a, b) => Number(Boolean(b.circuit)) - Number(Boolean(a.circuit)) || b.dead - a.dead || b.backlog - a.backlog);
  return {
    integrations: integrations.length,
    openCircuits: attention.filter((a) => a.circuit).length,
    deadLetters: attention.reduce((n, a) => n + a.dead, 0),
    backlog: attention.reduce((n, a) => n + a.backlog, 0),
    attention,
    circuitsUnknown,
  };
}
