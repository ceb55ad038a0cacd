"use client";
// Custom domains on the Settings page: add (pending, with its TXT record), verify, make
// primary, remove. Each button is a small form posting the hostname to its action.
import { useActionState } from "react";
import { Field, FormMessage, initialFormState, SubmitButton } from "@/components/form";
import { addDomainAction, primaryDomainAction, removeDomainAction, verifyDomainAction } from "./actions";
import { textLimits } from "@/lib/zod/limits";

export function AddDomainForm() {
  const [state, action] = useActionState(addDomainAction, initialFormState);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" noValidate data-testid="add-domain-form">
      <Field
        className="min-w-64 flex-1"
        label="Hostname"
        name="hostname"
        maxLength={textLimits.hostname}
        state={state}
        placeholder="portal.example.com"
        key={state.ok ? state.at : "form"}
        required
      />
      <SubmitButton pendingText="Adding…">Add domain</SubmitButton>
      <div className="w-full">
        <FormMessage state={state} fields={["hostname"]} testId="add-domain-message" />
      </div>
    </form>
  );
}

type DomainAction = typeof verifyDomainAction;

function DomainButton({
  hostname,
  action: serverAction,
  label,
  variant,
  confirm,
  testId,
}: {
  hostname: string;
  action: DomainAction;
  label: string;
  variant: "primary" | "secondary" | "danger";
  confirm?: string;
  testId: string;
}) {
  const [state, action] = useActionState(serverAction, initialFormState);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault();
      }}
    >
      <input type="hidden" name="hostname" value={hostname} />
      <SubmitButton variant={variant} className="px-2 py-1" aria-label={`${label} ${hostname}`} data-testid={testId}>
        {label}
      </SubmitButton>
      <FormMessage state={state} testId={`${testId}-error`} />
    </form>
  );
}

export function DomainActions({ hostname, verified, primary }: { hostname: string; verified: boolean; primary: boolean }) {
  return (
    <div className="flex flex-wrap gap-2">
      {verified ? null : <DomainButton hostname={hostname} action={verifyDomainAction} label="Verify" variant="primary" testId="verify-domain" />}
      {verified && !primary ? (
        <DomainButton hostname={hostname} action={primaryDomainAction} label="Make primary" variant="secondary" testId="primary-domain" />
      ) : null}
      <DomainButton
        hostname={hostname}
        action={removeDomainAction}
        label="Remove"
        variant="danger"
        confirm={`Remove ${hostname}? It stops reaching your pages at once.`}
        testId="remove-domain"
      />
    </div>
  );
}
