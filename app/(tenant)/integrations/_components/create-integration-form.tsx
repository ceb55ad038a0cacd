"use client";
import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { CopyField } from "@/components/copy-field";
import { Field, FormMessage, initialFormState, SelectField, SubmitButton } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { createIntegrationAction, type CreatedIntegration } from "../actions";
import { kindOptions, schemeOptions } from "./labels";
import { digitsOf, numberLimits, textLimits } from "@/lib/zod/limits";

const empty = {
  name: "",
  kind: "webhook",
  scheme: "standard-webhooks",
  signatureHeader: "",
  eventIdHeader: "",
  baseUrl: "",
  token: "",
  timeoutMs: "10000",
  syncPath: "",
  syncInterval: "0",
  organizationId: "",
};

const fields = [
  "name",
  "kind",
  "scheme",
  "token",
  "settings.signatureHeader",
  "settings.eventIdHeader",
  "settings.baseUrl",
  "settings.timeoutMs",
  "settings.sync.path",
  "settings.sync.intervalMinutes",
  "organizationId",
] as const;

/** `organizations`: the tenant's, to place the integration in one (empty: the select is not shown). */
export function CreateIntegrationForm({ organizations = [] }: { organizations?: readonly { id: string; name: string }[] }) {
  const [state, action] = useActionState(createIntegrationAction, initialFormState as ActionState<CreatedIntegration>);
  // Controlled, so a refused form keeps what was typed (the token included).
  const [v, setV] = useState(empty);
  const set = (key: keyof typeof empty) => (e: { target: { value: string } }) => setV((s) => ({ ...s, [key]: e.target.value }));
  useEffect(() => {
    if (state.ok) setV(empty);
  }, [state]);
  const created = state.ok ? state.result : undefined;
  return (
    <div className="space-y-4">
      {created ? (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900" data-testid="integration-created">
          <p>
            Integration <strong>{created.name}</strong> is ready.{" "}
            <Link href={`/integrations/${created.id}`} className="font-medium underline">
              Open {created.name}
            </Link>
          </p>
          {created.secret ? (
            <>
              <p className="mt-2 font-medium" data-testid="secret-once-note">
                Copy the signing secret now: you will not see it again. If it is lost, rotate it on the integration&apos;s page.
              </p>
              <CopyField label="Signing secret" value={created.secret} testId="signing-secret" hint="Give it to the sender; it signs every delivery." />
            </>
          ) : null}
          {created.webhookUrl ? (
            <CopyField label="Webhook URL" value={created.webhookUrl} testId="created-webhook-url" hint="Configure the sender to POST its events here." />
          ) : null}
        </div>
      ) : null}
      <form action={action} className="space-y-4" noValidate data-testid="create-integration-form">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id="create-name"
            label="Name"
            name="name"
            maxLength={textLimits.name}
            state={state}
            value={v.name}
            onChange={set("name")}
            required
            hint="E.g. “Stripe payments” or “CRM contacts”."
          />
          <SelectField id="create-kind" label="Kind" name="kind" state={state} options={kindOptions} value={v.kind} onChange={set("kind")} />
          {organizations.length ? (
            <SelectField
              id="create-organization"
              label="Organization (optional)"
              name="organizationId"
              state={state}
              options={[{ value: "", label: "The whole tenant" }, ...organizations.map((o) => ({ value: o.id, label: o.name }))]}
              value={v.organizationId}
              onChange={set("organizationId")}
            />
          ) : null}
        </div>
        {v.kind === "webhook" ? (
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              id="create-scheme"
              label="Signature scheme"
              name="scheme"
              state={state}
              options={schemeOptions}
              value={v.scheme}
              onChange={set("scheme")}
            />
            {v.scheme === "hmac-sha256" ? (
              <>
                <Field
                  id="create-signature-header"
                  label="Signature header (optional)"
                  name="settings.signatureHeader"
                  maxLength={textLimits.headerName}
                  state={state}
                  value={v.signatureHeader}
                  onChange={set("signatureHeader")}
                  placeholder="X-Signature"
                  hint="The header carrying the hex HMAC; default X-Signature."
                />
                <Field
                  id="create-event-id-header"
                  label="Event id header (optional)"
                  name="settings.eventIdHeader"
                  maxLength={textLimits.headerName}
                  state={state}
                  value={v.eventIdHeader}
                  onChange={set("eventIdHeader")}
                  placeholder="X-Event-Id"
                  hint="The header carrying the sender's event id (for de-duplication)."
                />
              </>
            ) : null}
          </div>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              id="create-base-url"
              label="Base URL"
              name="settings.baseUrl"
              maxLength={textLimits.url}
              type="url"
              state={state}
              value={v.baseUrl}
              onChange={set("baseUrl")}
              required
              placeholder="https://api.example.com/v1"
            />
            <Field
              id="create-token"
              label="API token (optional)"
              name="token"
              maxLength={textLimits.apiToken}
              type="password"
              autoComplete="off"
              state={state}
              value={v.token}
              onChange={set("token")}
              hint="Sent as “Authorization: Bearer …”; stored encrypted, never shown again."
            />
            <Field
              id="create-timeout"
              label="Timeout (ms)"
              name="settings.timeoutMs"
              maxLength={digitsOf(numberLimits.timeoutMs.max)}
              inputMode="numeric"
              state={state}
              value={v.timeoutMs}
              onChange={set("timeoutMs")}
              hint="100 to 30000."
            />
            <Field
              id="create-sync-path"
              label="Sync path (optional)"
              name="settings.sync.path"
              maxLength={textLimits.apiPath}
              state={state}
              value={v.syncPath}
              onChange={set("syncPath")}
              placeholder="/records"
              hint="Set it to copy the API's records here (paged by cursor)."
            />
            <Field
              id="create-sync-interval"
              label="Sync interval (minutes)"
              name="settings.sync.intervalMinutes"
              maxLength={digitsOf(numberLimits.syncIntervalMinutes.max)}
              inputMode="numeric"
              state={state}
              value={v.syncInterval}
              onChange={set("syncInterval")}
              hint="0: only when you press “Sync now”."
            />
          </div>
        )}
        <FormMessage state={state} fields={fields} testId="create-integration-error" />
        <SubmitButton pendingText="Creating…">Create integration</SubmitButton>
      </form>
    </div>
  );
}
