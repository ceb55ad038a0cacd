"use client";
// The Settings page's forms. Each sends its section in full (lib/tenancy/settings-form.ts
// turns it into a patch for the one settings schema); field errors come back under the
// patch's paths, which the inputs are named after. Admins see them read-only.
import { startTransition, useActionState, type ReactNode } from "react";
import { Field, FieldError, fieldError, followRedirect, FormMessage, initialFormState, SubmitButton, type FormState } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import type { TenantSettingsView } from "@/lib/tenancy/settings-view";
import { saveSettingsAction, type SavedSettings } from "./actions";
import { listLimits, listTextLength, textLimits } from "@/lib/zod/limits";

type Values = Omit<TenantSettingsView, "domains" | "slug">;

const textareaClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 aria-[invalid=true]:border-red-500";

/** The first error under `prefix` (a list's entries report as prefix.0, prefix.1, ...). */
function errorUnder(state: FormState, prefix: string): string | undefined {
  return fieldError(state, prefix) ?? Object.entries(state.fieldErrors ?? {}).find(([k]) => k.startsWith(`${prefix}.`))?.[1];
}

function SectionForm({
  section,
  readOnly,
  fields,
  children,
}: {
  section: string;
  readOnly: boolean;
  fields: readonly string[];
  children: (state: FormState) => ReactNode;
}) {
  const [state, action, pending] = useActionState(followRedirect(saveSettingsAction), initialFormState as ActionState<SavedSettings>);
  return (
    <form
      // Submitted by hand, not through `action`: React resets a form after its action,
      // which would wipe what the owner typed whenever a field error comes back.
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => action(data));
      }}
      className="space-y-4"
      noValidate
      data-testid={`settings-${section}-form`}
    >
      <input type="hidden" name="section" value={section} />
      <fieldset disabled={readOnly} className="space-y-4">
        {children(state)}
      </fieldset>
      <FormMessage state={state} fields={fields} testId={`settings-${section}-message`} success="Saved." />
      {readOnly ? null : (
        <SubmitButton variant="secondary" disabled={pending} aria-busy={pending || undefined}>
          {pending ? "Saving…" : "Save"}
        </SubmitButton>
      )}
    </form>
  );
}

function TextArea({
  name,
  label,
  hint,
  state,
  defaultValue,
  rows = 3,
  maxLength,
}: {
  name: string;
  label: string;
  /** From the schema's limits (lib/zod/limits.ts). */
  maxLength: number;
  hint?: string;
  state: FormState;
  defaultValue: string;
  rows?: number;
}) {
  const id = `field-${name}`;
  const error = errorUnder(state, name);
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        defaultValue={defaultValue}
        maxLength={maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={textareaClass}
      />
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} name={name} error={error} />
    </div>
  );
}

export function GeneralForm({ values, readOnly }: { values: Values; readOnly: boolean }) {
  return (
    <SectionForm section="general" readOnly={readOnly} fields={["displayName", "branding"]}>
      {(state) => (
        <>
          <Field label="Display name" name="displayName" maxLength={textLimits.name} state={state} defaultValue={values.displayName} required />
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Logo URL"
              name="branding.logoUrl"
              maxLength={textLimits.logoUrl}
              type="url"
              state={state}
              defaultValue={values.branding.logoUrl ?? ""}
              placeholder="https://…"
              hint="An https:// image, shown in the header of your pages and in emails."
            />
            <Field
              label="Accent colour"
              name="branding.accentColor"
              maxLength={textLimits.accentColor}
              state={state}
              defaultValue={values.branding.accentColor ?? ""}
              placeholder="#4f46e5"
              hint="A colour such as #4f46e5 for the header bar. Empty: the platform's."
            />
          </div>
        </>
      )}
    </SectionForm>
  );
}

export function SecurityForm({ values, readOnly, selfHasMfa }: { values: Values; readOnly: boolean; selfHasMfa: boolean }) {
  return (
    <SectionForm section="security" readOnly={readOnly} fields={["mfaRequiredForAdmins", "sessionLifetimeHours"]}>
      {(state) => (
        <>
          <div className="flex items-start gap-2">
            <input
              id="mfaRequiredForAdmins"
              name="mfaRequiredForAdmins"
              type="checkbox"
              defaultChecked={values.mfaRequiredForAdmins}
              className="mt-1 h-4 w-4 rounded border-slate-300"
            />
            <label htmlFor="mfaRequiredForAdmins" className="text-sm text-slate-800">
              Require two-factor authentication for owners and admins
              <span className="block text-xs text-slate-500">
                Owners and admins without it must set it up before they can do anything else.
                {!selfHasMfa && !readOnly ? " That includes you: you will be asked to set it up right after saving." : ""}
              </span>
            </label>
          </div>
          <FieldError name="mfaRequiredForAdmins" error={fieldError(state, "mfaRequiredForAdmins")} />
          <Field
            label="Session lifetime (hours)"
            name="sessionLifetimeHours"
            type="number"
            min={1}
            max={168}
            state={state}
            defaultValue={String(values.sessionLifetimeHours)}
            hint="How long a browser sign-in lasts, 1 to 168 (7 days). Shortening it also ends older sessions."
          />
        </>
      )}
    </SectionForm>
  );
}

const rateLimitLabels: Record<keyof Values["rateLimitDefaults"], string> = {
  apiPerMinute: "API requests per minute (whole tenant)",
  principalPerMinute: "API requests per minute (each user or key)",
  signInPerIpPer15Minutes: "Sign-in attempts per IP address per 15 minutes",
  signInPerEmailPer15Minutes: "Sign-in attempts per email address per 15 minutes",
  failedSignInsPerTenantPer15Minutes: "Failed sign-ins per 15 minutes (whole tenant)",
};

export function ApiForm({ values, readOnly }: { values: Values; readOnly: boolean }) {
  return (
    <SectionForm section="api" readOnly={readOnly} fields={["corsOrigins", "rateLimits"]}>
      {(state) => (
        <>
          <TextArea
            name="corsOrigins"
            maxLength={listTextLength(listLimits.corsOrigins, textLimits.url)}
            label="CORS origins"
            state={state}
            defaultValue={values.corsOrigins.join("\n")}
            hint="Browser origins allowed to call your API, one a line, e.g. https://app.example.com."
          />
          <div className="grid gap-4 sm:grid-cols-2">
            {(Object.keys(rateLimitLabels) as (keyof typeof rateLimitLabels)[]).map((key) => (
              <Field
                key={key}
                label={rateLimitLabels[key]}
                name={`rateLimits.${key}`}
                type="number"
                min={1}
                state={state}
                defaultValue={values.rateLimits[key]?.toString() ?? ""}
                placeholder={`${values.rateLimitDefaults[key]} (default)`}
              />
            ))}
          </div>
          <FieldError name="rateLimits" error={fieldError(state, "rateLimits")} />
        </>
      )}
    </SectionForm>
  );
}

export function AuditForm({ values, readOnly }: { values: Values; readOnly: boolean }) {
  return (
    <SectionForm section="audit" readOnly={readOnly} fields={["auditRetentionDays"]}>
      {(state) => (
        <Field
          label="Audit retention (days)"
          name="auditRetentionDays"
          type="number"
          min={1}
          max={36500}
          state={state}
          defaultValue={values.auditRetentionDays?.toString() ?? ""}
          placeholder="Keep forever"
          hint="Older audit rows are archived and removed. Empty keeps them forever."
        />
      )}
    </SectionForm>
  );
}

export function AlertsForm({ values, readOnly }: { values: Values; readOnly: boolean }) {
  return (
    <SectionForm section="alerts" readOnly={readOnly} fields={["alertRecipients"]}>
      {(state) => (
        <>
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Send alert emails to everyone who is</legend>
            <div className="mt-2 flex gap-4">
              {(["owner", "admin"] as const).map((role) => (
                <label key={role} className="flex items-center gap-2 text-sm text-slate-800">
                  <input
                    type="checkbox"
                    name="alertRecipients.roles"
                    value={role}
                    defaultChecked={values.alertRecipients.roles.includes(role)}
                    className="h-4 w-4 rounded border-slate-300"
                  />
                  {role === "owner" ? "an owner" : "an admin"}
                </label>
              ))}
            </div>
            <FieldError name="alertRecipients.roles" error={errorUnder(state, "alertRecipients.roles")} />
          </fieldset>
          <TextArea
            name="alertRecipients.addresses"
            maxLength={listTextLength(listLimits.alertAddresses, textLimits.email)}
            label="and these addresses"
            state={state}
            defaultValue={values.alertRecipients.addresses.join("\n")}
            hint="One email address a line, up to 20 (an on-call list, a shared inbox)."
          />
        </>
      )}
    </SectionForm>
  );
}
