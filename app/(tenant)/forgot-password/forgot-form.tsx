"use client";
import { useActionState } from "react";
import { Field, FormMessage, initialFormState, SubmitButton } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { requestResetAction } from "./actions";
import { textLimits } from "@/lib/zod/limits";

export function ForgotPasswordForm() {
  const [state, action] = useActionState(requestResetAction, initialFormState as ActionState<{ email: string }>);
  if (state.ok && state.result) {
    return (
      <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="reset-requested">
        If <strong>{state.result.email}</strong> belongs to an account here, a link to choose a new password is on its way. It works once, for one hour.
      </p>
    );
  }
  return (
    <form action={action} className="space-y-4" noValidate data-testid="forgot-form">
      <Field label="Email" name="email" maxLength={textLimits.email} type="email" autoComplete="username" state={state} required />
      <FormMessage state={state} fields={["email"]} testId="forgot-error" />
      <SubmitButton pendingText="Sending…">Send me a link</SubmitButton>
    </form>
  );
}
