"use client";
import { useActionState } from "react";
import { FormMessage, followRedirect, initialFormState, NewPasswordFields, SubmitButton } from "@/components/form";
import { resetPasswordAction } from "./actions";

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, action] = useActionState(followRedirect(resetPasswordAction), initialFormState);
  return (
    <form action={action} className="space-y-4" noValidate data-testid="reset-form">
      <input type="hidden" name="token" value={token} />
      <NewPasswordFields name="password" label="New password" repeatLabel="Repeat the new password" state={state} />
      <FormMessage state={state} fields={["password", "confirmPassword"]} testId="reset-error" />
      <SubmitButton pendingText="Saving…">Set the new password</SubmitButton>
    </form>
  );
}
