"use client";
// The write controls of one integration's page. Each is its own small form over a
// server action; the page renders them only for principals holding integrations:write
// (the actions check the permission again).
import { useActionState, useEffect, useState } from "react";
import { CopyField } from "@/components/copy-field";
import { Field, FormMessage, followRedirect, initialFormState, SelectField, SubmitButton } from "@/components/form";
import { Time } from "@/components/time";
import type { ActionState } from "@/lib/http/tenant-action";
import type { RestSettings, WebhookSettings } from "@/lib/integrations/settings";
import type { IntegrationView } from "@/lib/integrations/view";
import {
  deleteIntegrationAction,
  replayDeadAction,
  replayEventAction,
  rotateSecretAction,
  setIntegrationStatusAction,
  syncNowAction,
  updateIntegrationAction,
  type RotatedSecret,
} from "../actions";
import { graceOptions } from "./labels";
import { digitsOf, numberLimits, textLimits } from "@/lib/zod/limits";

export function StatusButton({ id, status }: { id: string; status: "active" | "paused" }) {
  const [state, action] = useActionState(setIntegrationStatusAction, initialFormState);
  return (
    <form action={action} className="inline-flex flex-col gap-1">
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="status" value={status === "active" ? "paused" : "active"} />
      <SubmitButton variant="secondary" pendingText={status === "active" ? "Pausing…" : "Resuming…"}>
        {status === "active" ? "Pause" : "Resume"}
      </SubmitButton>
      <FormMessage state={state} testId="status-error" />
    </form>
  );
}

export function DeleteIntegrationButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState(followRedirect(deleteIntegrationAction), initialFormState);
  return (
    <form
      action={action}
      className="inline-flex flex-col gap-1"
      onSubmit={(e) => {
        if (!window.confirm(`Delete the integration “${name}”? Its inbox, sync runs and synced records are deleted with it. This cannot be undone.`))
          e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" pendingText="Deleting…">
        Delete integration
      </SubmitButton>
      <FormMessage state={state} testId="delete-error" />
    </form>
  );
}

const webhookFields = ["name", "rateLimitPerMinute", "signatureHeader", "eventIdHeader"] as const;
const restFields = ["name", "baseUrl", "timeoutMs", "rateLimitPerMinute", "sync.path", "sync.intervalMinutes", "token"] as const;

function initialValues(integration: IntegrationView) {
  if (integration.kind === "webhook") {
    const s = integration.settings as WebhookSettings;
    return {
      name: integration.name,
      rateLimitPerMinute: String(s.rateLimitPerMinute),
      signatureHeader: s.signatureHeader ?? "",
      eventIdHeader: s.eventIdHeader ?? "",
      baseUrl: "",
      timeoutMs: "",
      syncPath: "",
      syncInterval: "",
    };
  }
  const s = integration.settings as RestSettings;
  return {
    name: integration.name,
    rateLimitPerMinute: String(s.rateLimitPerMinute),
    signatureHeader: "",
    eventIdHeader: "",
    baseUrl: s.baseUrl,
    timeoutMs: String(s.timeoutMs),
    syncPath: s.sync?.path ?? "",
    syncInterval: String(s.sync?.intervalMinutes ?? 0),
  };
}

export function SettingsForm({ integration }: { integration: IntegrationView }) {
  const [state, action] = useActionState(updateIntegrationAction, initialFormState);
  const [v, setV] = useState(() => initialValues(integration));
  const [token, setToken] = useState("");
  const [clearToken, setClearToken] = useState(false);
  const set = (key: keyof ReturnType<typeof initialValues>) => (e: { target: { value: string } }) => setV((s) => ({ ...s, [key]: e.target.value }));
  useEffect(() => {
    if (state.ok) {
      setToken("");
      setClearToken(false);
    }
  }, [state]);
  const rest = integration.kind === "rest";
  return (
    <form action={action} className="space-y-4" noValidate data-testid="settings-form">
      <input type="hidden" name="id" value={integration.id} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="edit-name" label="Name" name="name" maxLength={textLimits.name} state={state} value={v.name} onChange={set("name")} required />
        <Field
          id="edit-rate-limit"
          label="Rate limit (per minute)"
          name="rateLimitPerMinute"
          maxLength={digitsOf(numberLimits.webhookRateLimitPerMinute.max)}
          inputMode="numeric"
          state={state}
          value={v.rateLimitPerMinute}
          onChange={set("rateLimitPerMinute")}
          hint={rest ? "Outbound calls per minute; empty: 60." : "Deliveries accepted per minute before 429; empty: 600."}
        />
        {integration.scheme === "hmac-sha256" ? (
          <>
            <Field
              id="edit-signature-header"
              label="Signature header"
              name="signatureHeader"
              maxLength={textLimits.headerName}
              state={state}
              value={v.signatureHeader}
              onChange={set("signatureHeader")}
              placeholder="X-Signature"
              hint="Empty: X-Signature."
            />
            <Field
              id="edit-event-id-header"
              label="Event id header"
              name="eventIdHeader"
              maxLength={textLimits.headerName}
              state={state}
              value={v.eventIdHeader}
              onChange={set("eventIdHeader")}
              placeholder="X-Event-Id"
              hint="Empty: X-Event-Id."
            />
          </>
        ) : null}
        {rest ? (
          <>
            <Field
              id="edit-base-url"
              label="Base URL"
              name="baseUrl"
              maxLength={textLimits.url}
              type="url"
              state={state}
              value={v.baseUrl}
              onChange={set("baseUrl")}
              required
            />
            <Field
              id="edit-timeout"
              label="Timeout (ms)"
              name="timeoutMs"
              maxLength={digitsOf(numberLimits.timeoutMs.max)}
              inputMode="numeric"
              state={state}
              value={v.timeoutMs}
              onChange={set("timeoutMs")}
              hint="100 to 30000; empty: 10000."
            />
            <Field
              id="edit-sync-path"
              label="Sync path (optional)"
              name="sync.path"
              maxLength={textLimits.apiPath}
              state={state}
              value={v.syncPath}
              onChange={set("syncPath")}
              placeholder="/records"
              hint="Empty turns syncing off."
            />
            <Field
              id="edit-sync-interval"
              label="Sync interval (minutes)"
              name="sync.intervalMinutes"
              maxLength={digitsOf(numberLimits.syncIntervalMinutes.max)}
              inputMode="numeric"
              state={state}
              value={v.syncInterval}
              onChange={set("syncInterval")}
              hint="0: only when you press “Sync now”."
            />
            <Field
              id="edit-token"
              label="Replace API token"
              name="token"
              maxLength={textLimits.apiToken}
              type="password"
              autoComplete="off"
              state={state}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              disabled={clearToken}
              hint={integration.hasSecret ? "A token is stored. Leave empty to keep it." : "No token is stored. Leave empty for none."}
            />
            {integration.hasSecret ? (
              <label className="flex items-center gap-2 self-center text-sm">
                <input
                  type="checkbox"
                  name="clearToken"
                  checked={clearToken}
                  onChange={(e) => setClearToken(e.target.checked)}
                  className="h-4 w-4 rounded border-slate-300"
                />
                Remove the stored token
              </label>
            ) : null}
          </>
        ) : null}
      </div>
      <FormMessage state={state} fields={rest ? restFields : webhookFields} success="Settings saved." testId="settings-message" />
      <SubmitButton pendingText="Saving…">Save settings</SubmitButton>
    </form>
  );
}

export function RotateSecretForm({ id }: { id: string }) {
  const [state, action] = useActionState(rotateSecretAction, initialFormState as ActionState<RotatedSecret>);
  const rotated = state.ok ? state.result : undefined;
  return (
    <div className="space-y-4">
      <form action={action} className="flex flex-wrap items-end gap-3" noValidate data-testid="rotate-secret-form">
        <input type="hidden" name="id" value={id} />
        <SelectField
          id="rotate-grace"
          label="Grace period"
          name="graceSeconds"
          state={state}
          options={graceOptions}
          defaultValue="86400"
          className="min-w-64"
        />
        <SubmitButton variant="secondary" pendingText="Rotating…">
          Rotate secret
        </SubmitButton>
      </form>
      <FormMessage state={state} fields={["graceSeconds"]} testId="rotate-error" />
      {rotated ? (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900" data-testid="secret-rotated">
          <p className="font-medium">Copy the new signing secret now: you will not see it again.</p>
          <p className="mt-1">
            {rotated.previousSecretExpiresAt ? (
              <>
                The previous secret keeps verifying until <Time value={rotated.previousSecretExpiresAt} />.
              </>
            ) : (
              "The previous secret no longer verifies."
            )}
          </p>
          <CopyField label="New signing secret" value={rotated.secret} testId="rotated-secret" />
        </div>
      ) : null}
    </div>
  );
}

export function ReplayEventButton({ integrationId, eventId }: { integrationId: string; eventId: string }) {
  const [state, action] = useActionState(replayEventAction, initialFormState);
  return (
    <form action={action} className="flex flex-col gap-1">
      <input type="hidden" name="id" value={integrationId} />
      <input type="hidden" name="eventId" value={eventId} />
      <SubmitButton variant="secondary" className="px-2 py-1" pendingText="Replaying…">
        Replay
      </SubmitButton>
      <FormMessage state={state} testId="replay-error" />
    </form>
  );
}

export function ReplayDeadButton({ integrationId, dead }: { integrationId: string; dead: number }) {
  const [state, action] = useActionState(replayDeadAction, initialFormState as ActionState<{ replayed: number }>);
  const replayed = state.ok ? state.result?.replayed : undefined;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={integrationId} />
      <SubmitButton variant="secondary" pendingText="Replaying…" disabled={dead === 0} title={dead === 0 ? "No dead events" : undefined}>
        Replay all dead
      </SubmitButton>
      <FormMessage
        state={state}
        success={replayed === 0 ? "There were no dead events to replay." : `${replayed} event(s) sent for processing again.`}
        testId="replay-dead-message"
      />
    </form>
  );
}

export function SyncNowButton({ id }: { id: string }) {
  const [state, action] = useActionState(syncNowAction, initialFormState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <SubmitButton pendingText="Requesting…">Sync now</SubmitButton>
      <FormMessage state={state} success="Sync requested: the run appears below once the engine starts it (reload to see progress)." testId="sync-message" />
    </form>
  );
}
