"use client";
import { useActionState, useState } from "react";
import { Field, FormMessage, followRedirect, initialFormState, NewPasswordFields, SubmitButton } from "@/components/form";
import { acceptInvitationAction } from "./actions";
import { textLimits } from "@/lib/zod/limits";

export function AcceptInvitationForm({ token, email }: { token: string; email: string }) {
  const [state, action] = useActionState(followRedirect(acceptInvitationAction), initialFormState);
  // Controlled: React clears uncontrolled fields after every submission, and a refused
  // password should not cost the name. The password fields are retyped on purpose.
  const [name, setName] = useState("");
  return (
    <form action={action} className="space-y-4" noValidate data-testid="accept-form">
      <input type="hidden" name="token" value={token} />
      <div>
        <span className="block text-sm font-medium text-slate-700">Email</span>
        <p className="mt-1 text-sm text-slate-900" data-testid="invite-email">
          {email}
        </p>
      </div>
      <Field
        label="Your name"
        name="name"
        maxLength={textLimits.name}
        autoComplete="name"
        state={state}
        value={name}
        onChange={(e) => setName(e.target.value)}
        hint="Optional: how others in the organisation see you."
      />
      <NewPasswordFields name="password" label="Password" repeatLabel="Repeat the password" state={state} />
      <FormMessage state={state} fields={["name", "password", "confirmPassword"]} testId="accept-error" />
      <SubmitButton pendingText="Saving…">Set password and continue</SubmitButton>
    </form>
  );
}
