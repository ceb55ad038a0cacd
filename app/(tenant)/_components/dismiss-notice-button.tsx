"use client";
import { useActionState } from "react";
import { FormMessage, initialFormState, SubmitButton } from "@/components/form";
import { dismissNoticeAction } from "../integrations/actions";

export function DismissNoticeButton({ id, title }: { id: string; title: string }) {
  const [state, action] = useActionState(dismissNoticeAction, initialFormState);
  return (
    <form action={action} className="flex flex-col items-end gap-1">
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="secondary" className="px-2 py-1" pendingText="Dismissing…" aria-label={`Dismiss notice: ${title}`}>
        Dismiss
      </SubmitButton>
      <FormMessage state={state} testId="dismiss-notice-error" />
    </form>
  );
}
