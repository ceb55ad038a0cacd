"use client";
import { useActionState, useState } from "react";
import { Field, FormMessage, initialFormState, SubmitButton } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { changeEmailAction } from "./email-actions";
import { textLimits } from "@/lib/zod/limits";

export function ChangeEmailForm({ current }: { current: string }) {
  const [state, action] = useActionState(changeEmailAction, initialFormState as ActionState<{ newEmail: string }>);
  // Controlled: React clears uncontrolled fields after every submission, and a wrong
  // password should not cost the new address. The password is retyped on purpose.
  const [newEmail, setNewEmail] = useState("");
  return (
    <form action={action} className="max-w-md space-y-4" noValidate data-testid="email-form">
      <p className="text-sm text-slate-600">
        Now <strong>{current}</strong>. The new address is used once you open the link we send to it.
      </p>
      <Field
        label="New email address"
        name="newEmail"
        maxLength={textLimits.email}
        type="email"
        autoComplete="email"
        state={state}
        value={newEmail}
        onChange={(e) => setNewEmail(e.target.value)}
        required
      />
      <Field label="Current password" name="password" maxLength={textLimits.password} type="password" autoComplete="current-password" state={state} required />
      <FormMessage
        state={state}
        fields={["newEmail", "password"]}
        success={state.ok && state.result ? `A confirmation link is on its way to ${state.result.newEmail}.` : undefined}
        testId="email-message"
      />
      <SubmitButton pendingText="Sending…">Change email</SubmitButton>
    </form>
  );
}
