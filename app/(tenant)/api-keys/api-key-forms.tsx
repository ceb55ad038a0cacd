"use client";
import { useActionState, useEffect, useState } from "react";
import { Field, FieldError, fieldError, FormMessage, initialFormState, SelectField, SubmitButton } from "@/components/form";
import { CopyField } from "@/components/copy-field";
import { PermissionDescription } from "@/components/permission-list";
import type { ActionState } from "@/lib/http/tenant-action";
import { createApiKeyAction, revokeApiKeyAction, type CreatedKey } from "./actions";
import { textLimits } from "@/lib/zod/limits";

export function CreateApiKeyForm({ permissions, organizations }: { permissions: readonly string[]; organizations: readonly { id: string; name: string }[] }) {
  const [state, action] = useActionState(createApiKeyAction, initialFormState as ActionState<CreatedKey>);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>([]);
  const [expiresOn, setExpiresOn] = useState("");
  useEffect(() => {
    if (state.ok) {
      setName("");
      setScopes([]);
      setExpiresOn("");
    }
  }, [state]);
  const created = state.ok ? state.result : undefined;
  const scopesError = fieldError(state, "scopes") ?? Object.entries(state.fieldErrors ?? {}).find(([k]) => k.startsWith("scopes."))?.[1];
  return (
    <div className="space-y-4">
      {created ? (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900" data-testid="api-key-created">
          <p>
            Key <strong>{created.name}</strong> ({created.prefix}) is ready.
          </p>
          <CopyField
            label="API key"
            value={created.key}
            testId="new-api-key"
            hint="Copy it now: it is shown only this once. Send it as “Authorization: Bearer <key>”."
          />
        </div>
      ) : null}
      <form action={action} className="space-y-4" noValidate data-testid="api-key-form">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id="api-key-name"
            label="Name"
            name="name"
            maxLength={textLimits.name}
            state={state}
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            hint="What uses it, e.g. “Billing sync”."
          />
          <Field
            id="api-key-expires"
            label="Expires on (optional)"
            name="expiresAt"
            type="date"
            state={state}
            value={expiresOn}
            onChange={(e) => setExpiresOn(e.target.value)}
            hint="The key stops working at the end of that day (UTC). Leave empty for no expiry."
          />
        </div>
        {organizations.length ? (
          <SelectField
            id="api-key-organization"
            label="Organization (optional)"
            name="organizationId"
            state={state}
            options={[{ value: "", label: "The whole tenant" }, ...organizations.map((o) => ({ value: o.id, label: o.name }))]}
          />
        ) : null}
        <fieldset aria-describedby={scopesError ? "scopes-error" : undefined}>
          <legend className="text-sm font-medium text-slate-700">Permissions</legend>
          <p className="text-xs text-slate-500">Only permissions you hold yourself can be granted.</p>
          <div className="mt-2 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {permissions.map((p) => (
              <label key={p} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  name="scopes"
                  value={p}
                  checked={scopes.includes(p)}
                  onChange={(e) => setScopes((s) => (e.target.checked ? [...s, p] : s.filter((x) => x !== p)))}
                  className="mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300"
                />
                <PermissionDescription id={p} />
              </label>
            ))}
          </div>
          <FieldError id="scopes-error" name="scopes" error={scopesError} />
        </fieldset>
        <FormMessage state={state} fields={["name", "scopes", "expiresAt", "organizationId"]} testId="api-key-error" />
        <SubmitButton pendingText="Creating…">Create key</SubmitButton>
      </form>
    </div>
  );
}

export function RevokeApiKeyButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState(revokeApiKeyAction, initialFormState);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!window.confirm(`Revoke the key “${name}”? Programs using it stop working at once.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" className="px-2 py-1" aria-label={`Revoke key ${name}`}>
        Revoke
      </SubmitButton>
      <FormMessage state={state} testId="revoke-key-error" />
    </form>
  );
}
