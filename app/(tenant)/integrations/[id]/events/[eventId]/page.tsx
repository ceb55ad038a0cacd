// One inbox event: what was received (kept headers, the body as stored) and how its
// processing went.
import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Time } from "@/components/time";
import { Section } from "@/components/section";
import { can } from "@/lib/auth/principal";
import { requirePagePrincipal } from "@/lib/http/page-principal";
import { TenantShell } from "../../../../_components/tenant-shell";
import { ReplayEventButton } from "../../../_components/integration-forms";
import { inboxEventOrNotFound, integrationOrNotFound } from "../../../_components/or-not-found";
import { StatusBadge } from "../../../_components/status-badge";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Inbox event" };

type Params = Promise<{ id: string; eventId: string }>;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes)`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes)`;
}

function Detail({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export default async function InboxEventPage({ params }: { params: Params }) {
  const { tenant, principal } = await requirePagePrincipal("integrations:read");
  const { id, eventId } = await params;
  const integration = await integrationOrNotFound(tenant.slug, id);
  const event = await inboxEventOrNotFound(tenant.slug, integration.id, eventId);
  const headers = event.headers && typeof event.headers === "object" && !Array.isArray(event.headers) ? Object.entries(event.headers) : [];
  const canReplay = can(principal, "integrations:write") && (event.status === "dead" || event.status === "failed");
  return (
    <TenantShell tenant={tenant} principal={principal}>
      <p className="mb-2 text-sm">
        <Link href={`/integrations/${integration.id}#inbox-heading`} className="text-indigo-700 hover:underline">
          ← {integration.name}: inbox
        </Link>
      </p>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <h1 className="flex flex-wrap items-center gap-3 text-2xl font-bold">
          <span className="break-all font-mono text-xl" data-testid="event-provider-id">
            {event.providerEventId}
          </span>
          <StatusBadge status={event.status} testId="event-status" />
        </h1>
        {canReplay ? <ReplayEventButton integrationId={integration.id} eventId={event.id} /> : null}
      </div>

      <Section id="event-heading" title="Event">
        <dl className="grid gap-3 sm:grid-cols-3">
          <Detail label="Type">{event.eventType ?? "—"}</Detail>
          <Detail label="Attempts" testId="event-attempts">
            {event.attempts}
          </Detail>
          <Detail label="Inbox id">
            <span className="font-mono text-xs">{event.id}</span>
          </Detail>
          <Detail label="Received">
            <Time value={event.receivedAt} />
          </Detail>
          <Detail label="Handed to the engine">
            <Time value={event.dispatchedAt} none="Not yet" />
          </Detail>
          <Detail label="Processed">
            <Time value={event.processedAt} none="Not yet" />
          </Detail>
          <Detail label="Last error" testId="event-last-error">
            {event.lastError ?? "None"}
          </Detail>
          <Detail label="Body SHA-256">
            <span className="break-all font-mono text-xs">{event.bodySha256}</span>
          </Detail>
        </dl>
      </Section>

      <Section id="headers-heading" title="Headers">
        <p className="mb-3 text-sm text-slate-600">The headers kept with the event (signatures and credentials are never stored).</p>
        <DataTable testId="event-headers" framed={false} columns={[{ label: "Header" }, { label: "Value" }]}>
          {headers.length === 0 ? (
            <tr>
              <td colSpan={2} className="px-3 py-4 text-center text-slate-500">
                None kept.
              </td>
            </tr>
          ) : null}
          {headers.map(([name, value]) => (
            <tr key={name}>
              <td className="px-3 py-2 font-mono text-xs">{name}</td>
              <td className="break-all px-3 py-2 font-mono text-xs">{typeof value === "string" ? value : JSON.stringify(value)}</td>
            </tr>
          ))}
        </DataTable>
      </Section>

      <Section id="body-heading" title="Body">
        <p className="mb-2 text-sm text-slate-600" data-testid="event-body-size">
          {size(event.size)}
          {event.bodyEncoding === "base64" ? " · not UTF-8 text, so shown base64-encoded" : ""}
        </p>
        <pre
          className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs text-slate-900"
          data-testid="event-body"
          aria-label="Event body"
          tabIndex={0}
        >
          {event.body}
        </pre>
      </Section>
    </TenantShell>
  );
}
