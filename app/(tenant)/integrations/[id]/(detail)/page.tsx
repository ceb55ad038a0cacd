// One integration: status and the write controls, health, the webhook inbox (filter,
// pages, replay) or the sync runs, the records it produced, settings and the secret.
import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { CopyField } from "@/components/copy-field";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { TruncatedText } from "@/components/truncated-text";
import { Section } from "@/components/section";
import { can } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors/app-error";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { tenantOrigin } from "@/lib/http/tenant-url";
import { integrationHealth } from "@/lib/integrations/health";
import { integrationHistory } from "@/lib/integrations/health-history";
import { redispatchAfterMs } from "@/lib/integrations/inbox/reconcile";
import { inboxStatuses, listInboxEvents } from "@/lib/integrations/inbox/list-events";
import type { RestSettings, WebhookSettings } from "@/lib/integrations/settings";
import { listSyncedRecords } from "@/lib/integrations/records/list-records";
import { listSyncRuns } from "@/lib/integrations/sync/sync-runs";
import { getOrganization } from "@/lib/organizations/organizations";
import { TenantShell } from "../../../_components/tenant-shell";
import { HealthCharts } from "../../_components/health-charts";
import { HealthPanel } from "../../_components/health-panel";
import {
  DeleteIntegrationButton,
  ReplayDeadButton,
  ReplayEventButton,
  RotateSecretForm,
  SettingsForm,
  StatusButton,
  SyncNowButton,
} from "../../_components/integration-forms";
import { kindLabels, schemeLabels } from "../../_components/labels";
import { integrationOrNotFound } from "../../_components/or-not-found";
import { StatusBadge } from "../../_components/status-badge";
import { log } from "@/lib/observability/logger";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Integration" };

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const inboxPageSize = 25;

function one(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v.at(-1) : v;
  return s?.trim() || undefined;
}

function preview(data: unknown, max = 120): string {
  const text = JSON.stringify(data) ?? "";
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function Detail({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export default async function IntegrationPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { tenant, principal } = await requirePagePrincipal("integrations:read");
  const { id } = await params;
  const integration = await integrationOrNotFound(tenant.slug, id);
  const query = await searchParams;
  const status = one(query.status);
  const cursor = one(query.cursor);
  const canWrite = can(principal, "integrations:write");
  const isWebhook = integration.kind === "webhook";
  const base = `/integrations/${integration.id}`;
  // A received event this old was lost by the engine (INBOX_REDISPATCH_AFTER_SECONDS): admins may replay it.
  const stuckBefore = Date.now() - redispatchAfterMs();

  const [health, history, inbox, runs, records] = await Promise.all([
    integrationHealth(tenant.slug, integration.id).catch((err: unknown) => {
      log().error({ err, component: "integrations", integration: integration.id }, "integration health failed");
      return null;
    }),
    integrationHistory(tenant.slug, integration.id).catch((err: unknown) => {
      log().error({ component: "integrations", reason: err instanceof Error ? err.message : String(err) }, "health history failed");
      return null;
    }),
    isWebhook
      ? listInboxEvents(tenant.slug, integration.id, { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), limit: inboxPageSize }).then(
          (page) => ({ ok: true as const, ...page }),
          (err: unknown) => {
            // A bad filter or cursor in the address: say so on the page, not a 500.
            if (err instanceof AppError && err.code === "bad_request") return { ok: false as const, message: err.message };
            throw err;
          },
        )
      : null,
    isWebhook ? null : listSyncRuns(tenant.slug, integration.id),
    listSyncedRecords(tenant.slug, integration.id, 25),
  ]);
  // Its organization's name, when it belongs to one the viewer may see.
  const organization =
    integration.organizationId && can(principal, "organizations:read")
      ? await getOrganization(tenant.slug, principal, integration.organizationId).catch(() => null)
      : null;
  const webhookUrl = integration.webhookPath ? `${tenantOrigin(await headers(), tenant.slug)}${integration.webhookPath}` : null;
  const rest = isWebhook ? null : (integration.settings as RestSettings);
  const webhook = isWebhook ? (integration.settings as WebhookSettings) : null;
  const filterHref = (s?: string) => (s ? `${base}?status=${s}#inbox-heading` : `${base}#inbox-heading`);

  return (
    <TenantShell tenant={tenant} principal={principal}>
      <p className="mb-2 text-sm">
        <Link href="/integrations" className="text-indigo-700 hover:underline">
          ← Integrations
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-bold sm:text-3xl">
            <span data-testid="integration-name">{integration.name}</span>
            <StatusBadge status={integration.status} testId="integration-status" />
          </h1>
          <p className="mt-1 text-slate-600">
            {kindLabels[integration.kind]}
            {integration.scheme ? ` · ${schemeLabels[integration.scheme]}` : ""} · created <Time value={integration.createdAt} />
          </p>
          <p className="mt-1 text-sm text-slate-600" data-testid="integration-scope">
            {integration.organizationId ? `Belongs to ${organization?.name ?? "an organization"}: keys scoped to it can use it.` : "The whole tenant's."}
          </p>
        </div>
        {canWrite ? (
          <div className="flex flex-wrap items-start gap-2" data-testid="integration-actions">
            <StatusButton id={integration.id} status={integration.status} />
            <DeleteIntegrationButton id={integration.id} name={integration.name} />
          </div>
        ) : null}
      </div>
      {integration.status === "paused" ? (
        <p role="note" className="mb-6 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="paused-note">
          Paused: {isWebhook ? "new deliveries are refused and nothing is replayed" : "no calls are made and no sync runs"} until the integration is resumed.
        </p>
      ) : null}

      {webhookUrl ? (
        <Section id="delivery-heading" title="Delivery">
          <CopyField label="Webhook URL" value={webhookUrl} testId="webhook-url" hint="The sender POSTs its signed events here." />
          <dl className="mt-4 grid gap-3 sm:grid-cols-3">
            <Detail label="Signing secret">{integration.hasSecret ? "Set (shown only when created or rotated)" : "None"}</Detail>
            <Detail label="Last rotated">
              <Time value={integration.secretRotatedAt} none="Never" />
            </Detail>
            <Detail label="Previous secret verifies until" testId="previous-secret-expires">
              <Time value={integration.previousSecretExpiresAt} none="—" />
            </Detail>
          </dl>
        </Section>
      ) : null}

      <Section id="health-heading" title="Health">
        <HealthPanel health={health} kind={integration.kind} inboxHref={base} />
        <div className="mt-6">
          {history ? (
            <HealthCharts history={history} />
          ) : (
            <p role="alert" className="text-sm text-amber-800" data-testid="health-history-unavailable">
              The last 24 hours cannot be shown right now; reload the page to try again.
            </p>
          )}
        </div>
      </Section>

      {inbox ? (
        <Section id="inbox-heading" title="Inbox">
          <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
            <nav aria-label="Filter the inbox by status" className="flex flex-wrap gap-2 text-sm" data-testid="inbox-filter">
              {[undefined, ...inboxStatuses].map((s) => {
                const current = s === status || (!s && !status);
                return (
                  <Link
                    key={s ?? "all"}
                    href={filterHref(s)}
                    aria-current={current ? "page" : undefined}
                    className={`rounded-full border px-3 py-1 ${current ? "border-indigo-300 bg-indigo-50 font-medium text-indigo-800" : "border-slate-200 text-slate-700 hover:bg-slate-50"}`}
                  >
                    {s ? s[0]!.toUpperCase() + s.slice(1) : "All"}
                  </Link>
                );
              })}
            </nav>
            {canWrite ? <ReplayDeadButton integrationId={integration.id} dead={health?.inbox.dead ?? 1} /> : null}
          </div>
          {inbox.ok ? (
            <>
              <DataTable
                testId="inbox-table"
                framed={false}
                columns={[
                  ...["Received", "Event id", "Type", "Status", "Attempts", "Last error"].map((label) => ({ label })),
                  ...(canWrite ? [{ label: "Actions", hidden: true }] : []),
                ]}
              >
                {inbox.data.length === 0 ? (
                  <tr>
                    <td colSpan={canWrite ? 7 : 6} className="px-3 py-4 text-center text-slate-500">
                      {status ? `No ${status} events.` : "No events received yet."}
                    </td>
                  </tr>
                ) : null}
                {inbox.data.map((e) => (
                  <tr key={e.id} data-testid={`event-${e.id}`} className="align-top">
                    <td className="whitespace-nowrap px-3 py-2">
                      <Time value={e.receivedAt} />
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">
                      <Link href={`${base}/events/${e.id}`} className="break-all text-indigo-700 hover:underline">
                        {e.providerEventId}
                      </Link>
                    </td>
                    <td className="px-3 py-2">{e.eventType ?? <span className="text-slate-400">—</span>}</td>
                    <td className="px-3 py-2">
                      <StatusBadge status={e.status} testId="event-status" />
                    </td>
                    <td className="px-3 py-2" data-testid="event-attempts">
                      {e.attempts}
                    </td>
                    <td className="max-w-xs break-words px-3 py-2 text-xs text-red-800">{e.lastError ?? <span className="text-slate-400">—</span>}</td>
                    {canWrite ? (
                      <td className="px-3 py-2">
                        {e.status === "dead" || e.status === "failed" || (e.status === "received" && Date.parse(e.receivedAt) < stuckBefore) ? (
                          <ReplayEventButton integrationId={integration.id} eventId={e.id} />
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </DataTable>
              <nav aria-label="Inbox pages" className="mt-3 flex items-center justify-between text-sm">
                {cursor ? (
                  <Link href={filterHref(status)} className="text-indigo-700 hover:underline">
                    ← Newest
                  </Link>
                ) : (
                  <span />
                )}
                {inbox.nextCursor ? (
                  <Link
                    href={`${base}?${new URLSearchParams({ ...(status ? { status } : {}), cursor: inbox.nextCursor }).toString()}#inbox-heading`}
                    className="text-indigo-700 hover:underline"
                    rel="next"
                  >
                    Next page
                  </Link>
                ) : null}
              </nav>
            </>
          ) : (
            <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="inbox-error">
              {inbox.message}{" "}
              <Link href={filterHref()} className="underline">
                Show all events
              </Link>
            </p>
          )}
        </Section>
      ) : null}

      {runs ? (
        <Section id="sync-heading" title="Sync">
          {rest?.sync ? (
            <>
              <p className="mb-3 text-sm text-slate-600">
                Copies records from <span className="font-mono">{rest.sync.path}</span>{" "}
                {rest.sync.intervalMinutes ? `every ${rest.sync.intervalMinutes} minute(s)` : "when asked"}.
              </p>
              {canWrite ? (
                <div className="mb-4">
                  <SyncNowButton id={integration.id} />
                </div>
              ) : null}
            </>
          ) : (
            <p className="mb-3 text-sm text-slate-600" data-testid="sync-not-configured">
              No sync is configured. Set a sync path in the settings to copy records from the API.
            </p>
          )}
          <DataTable
            testId="sync-runs-table"
            framed={false}
            columns={["Status", "Trigger", "Pages", "Fetched / created / updated / unchanged", "Error", "Started", "Finished"].map((label) => ({ label }))}
          >
            {runs.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-3 py-4 text-center text-slate-500">
                  No sync runs yet.
                </td>
              </tr>
            ) : null}
            {runs.map((r) => (
              <tr key={r.id} data-testid={`sync-run-${r.id}`} className="align-top">
                <td className="px-3 py-2">
                  <StatusBadge status={r.status} testId="sync-run-status" />
                </td>
                <td className="px-3 py-2">{r.trigger}</td>
                <td className="px-3 py-2">{r.pages}</td>
                <td className="px-3 py-2" data-testid="sync-run-counts">
                  {r.fetched} / {r.created} / {r.updated} / {r.unchanged}
                </td>
                <td className="max-w-xs break-words px-3 py-2 text-xs text-red-800">{r.error ?? <span className="text-slate-400">—</span>}</td>
                <td className="whitespace-nowrap px-3 py-2">
                  <Time value={r.startedAt} />
                </td>
                <td className="whitespace-nowrap px-3 py-2">
                  <Time value={r.finishedAt} none="Running" />
                </td>
              </tr>
            ))}
          </DataTable>
        </Section>
      ) : null}

      <Section id="records-heading" title="Records">
        <p className="mb-3 text-sm text-slate-600">
          The latest records this integration wrote ({isWebhook ? "from processed events" : "from syncs and forwarded events"}), newest change first.
        </p>
        <DataTable testId="records-table" framed={false} columns={["External id", "Source", "Updated", "Data"].map((label) => ({ label }))}>
          {records.length === 0 ? (
            <tr>
              <td colSpan={4} className="px-3 py-4 text-center text-slate-500">
                No records yet.
              </td>
            </tr>
          ) : null}
          {records.map((r) => (
            <tr key={r.id} className="align-top">
              <td className="px-3 py-2 font-mono text-xs">
                <TruncatedText value={r.externalId} className="max-w-40 sm:max-w-64" />
              </td>
              <td className="px-3 py-2">{r.source}</td>
              <td className="whitespace-nowrap px-3 py-2">
                <Time value={r.updatedAt} />
              </td>
              <td className="max-w-md break-all px-3 py-2 font-mono text-xs text-slate-700">{preview(r.data)}</td>
            </tr>
          ))}
        </DataTable>
      </Section>

      <Section id="settings-heading" title="Settings">
        {canWrite ? (
          <SettingsForm integration={integration} />
        ) : (
          <dl className="grid gap-3 sm:grid-cols-3" data-testid="settings-readonly">
            <Detail label="Name">{integration.name}</Detail>
            <Detail label="Rate limit (per minute)">{(rest ?? webhook)!.rateLimitPerMinute}</Detail>
            {webhook?.signatureHeader ? <Detail label="Signature header">{webhook.signatureHeader}</Detail> : null}
            {webhook?.eventIdHeader ? <Detail label="Event id header">{webhook.eventIdHeader}</Detail> : null}
            {webhook?.forwardTo ? <Detail label="Forwards to">{webhook.forwardTo.integrationId}</Detail> : null}
            {rest ? (
              <>
                <Detail label="Base URL">
                  <TruncatedText value={rest.baseUrl} className="max-w-full" />
                </Detail>
                <Detail label="Timeout">{rest.timeoutMs} ms</Detail>
                <Detail label="API token">{integration.hasSecret ? "Set" : "None"}</Detail>
                <Detail label="Sync path">{rest.sync?.path ?? "—"}</Detail>
                <Detail label="Sync interval">{rest.sync ? `${rest.sync.intervalMinutes} min` : "—"}</Detail>
              </>
            ) : null}
          </dl>
        )}
      </Section>

      {isWebhook && canWrite ? (
        <Section id="secret-heading" title="Signing secret">
          <p className="mb-3 text-sm text-slate-600">
            A new secret is shown once. During the grace period the sender may still sign with the previous one, so it can be switched over without losing
            events.
          </p>
          <RotateSecretForm id={integration.id} />
        </Section>
      ) : null}
    </TenantShell>
  );
}
