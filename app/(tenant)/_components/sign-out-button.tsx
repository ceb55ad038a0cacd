"use client";
import { useActionState } from "react";
import { initialFormState, SubmitButton, followRedirect } from "@/components/form";
import { signOutAction } from "../actions";

export function SignOutButton() {
  const [state, action] = useActionState(followRedirect(signOutAction), initialFormState);
  return (
    <form action={action} className="inline">
      <SubmitButton variant="secondary" pendingText="Signing out…" data-testid="sign-out">
        Sign out
      </SubmitButton>
      {!state.ok && state.message ? (
        <span role="alert" className="ml-2 text-xs text-red-700">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
