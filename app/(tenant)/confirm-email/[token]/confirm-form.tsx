"use client";
import { useActionState } from "react";
import Link from "next/link";
import { FormMessage, initialFormState, SubmitButton } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { confirmEmailAction } from "./actions";

export function ConfirmEmailForm({ token, to }: { token: string; to: string }) {
  const [state, action] = useActionState(confirmEmailAction, initialFormState as ActionState<{ email: string }>);
  if (state.ok && state.result) {
    return (
      <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid="email-confirmed">
        Your address is now <strong>{state.result.email}</strong>.{" "}
        <Link href="/account" className="underline">
          Go to your account
        </Link>
      </p>
    );
  }
  return (
    <form action={action} className="space-y-4" data-testid="confirm-email-form">
      <input type="hidden" name="token" value={token} />
      <FormMessage state={state} testId="confirm-email-error" />
      <SubmitButton pendingText="Confirming…">Use {to}</SubmitButton>
    </form>
  );
}
