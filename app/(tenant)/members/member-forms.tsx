"use client";
import { useActionState, useEffect, useState } from "react";
import { Field, FormMessage, initialFormState, SelectField, SubmitButton, type FormState } from "@/components/form";
import { CopyField } from "@/components/copy-field";
import type { ActionState } from "@/lib/http/tenant-action";
import type { MemberView } from "@/lib/members/members";
import {
  changeRoleAction,
  inviteMemberAction,
  removeMemberAction,
  resendInvitationAction,
  revokeInvitationAction,
  unlockMemberAction,
  type InviteResult,
} from "./actions";
import { textLimits } from "@/lib/zod/limits";

const roleOptions = (roles: readonly string[]) => roles.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }));

export function InviteForm({ roles }: { roles: readonly string[] }) {
  const [state, action] = useActionState(inviteMemberAction, initialFormState as ActionState<InviteResult>);
  // Controlled, so a refused invitation keeps what was typed.
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState("member");
  useEffect(() => {
    if (state.ok) {
      setEmail("");
      setName("");
    }
  }, [state]);
  const invited = state.ok ? state.result : undefined;
  return (
    <div className="space-y-4">
      <form action={action} className="grid gap-4 sm:grid-cols-[2fr_2fr_1fr_auto] sm:items-start" noValidate data-testid="invite-form">
        <Field
          id="invite-email"
          label="Email"
          name="email"
          maxLength={textLimits.email}
          type="email"
          state={state}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
        <Field
          id="invite-name"
          label="Name (optional)"
          name="name"
          maxLength={textLimits.name}
          state={state}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <SelectField
          id="invite-role"
          label="Role"
          name="role"
          state={state}
          options={roleOptions(roles)}
          value={role}
          onChange={(e) => setRole(e.target.value)}
        />
        <SubmitButton className="sm:mt-6" pendingText="Inviting…">
          Invite
        </SubmitButton>
      </form>
      <FormMessage state={state} fields={["email", "name", "role"]} testId="invite-error" />
      {invited ? (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900" data-testid="invite-result">
          <p data-testid="invite-sent">
            {invited.sent ? (
              <>
                <strong>{invited.email}</strong> is invited: the invitation email is on its way. The link works once, for 7 days; it is also shown here, once,
                in case the email does not arrive.
              </>
            ) : (
              <>
                <strong>{invited.email}</strong> is invited, but the invitation email could not be sent. Send them this link yourself; it is shown only once and
                works for 7 days.
              </>
            )}
          </p>
          <CopyField label="Invitation link" value={invited.link} testId="invitation-link" />
        </div>
      ) : null}
    </div>
  );
}

type Latest = { state: FormState; verb: string } | null;

function latest(...entries: { state: FormState; verb: string }[]): Latest {
  return entries.filter((e) => e.state.at).sort((a, b) => (b.state.at ?? 0) - (a.state.at ?? 0))[0] ?? null;
}

export function MemberActions({
  member,
  roles,
  canWrite,
  canUnlock,
  isSelf,
}: {
  member: MemberView;
  roles: readonly string[];
  canWrite: boolean;
  canUnlock: boolean;
  isSelf: boolean;
}) {
  const [roleState, roleAction] = useActionState(changeRoleAction, initialFormState);
  const [removeState, removeAction] = useActionState(removeMemberAction, initialFormState);
  const [unlockState, unlockAction] = useActionState(unlockMemberAction, initialFormState);
  const [resendState, resendAction] = useActionState(resendInvitationAction, initialFormState as ActionState<InviteResult>);
  const [revokeState, revokeAction] = useActionState(revokeInvitationAction, initialFormState);
  const resent = resendState.ok ? resendState.result : undefined;
  const last = latest(
    { state: roleState, verb: "Role changed." },
    { state: removeState, verb: "Removed." },
    { state: unlockState, verb: "Unlocked." },
    {
      state: resendState,
      verb: resent?.sent ? "Invitation sent again; the previous link no longer works." : "A new link was made, but the email could not be sent.",
    },
    { state: revokeState, verb: "Invitation revoked." },
  );
  const slug = member.email;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end gap-2">
        {canWrite ? (
          <form action={roleAction} className="flex items-end gap-2" data-testid={`role-form-${slug}`}>
            <input type="hidden" name="id" value={member.id} />
            <label className="sr-only" htmlFor={`role-${member.id}`}>
              Role of {member.email}
            </label>
            <select
              id={`role-${member.id}`}
              name="role"
              key={member.role}
              defaultValue={member.role}
              className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
            >
              {roleOptions(roles).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            <SubmitButton variant="secondary" className="px-2 py-1" aria-label={`Change role of ${member.email}`}>
              Change role
            </SubmitButton>
          </form>
        ) : null}
        {canUnlock && member.lockedUntil ? (
          <form action={unlockAction}>
            <input type="hidden" name="id" value={member.id} />
            <SubmitButton variant="secondary" className="px-2 py-1" aria-label={`Unlock ${member.email}`}>
              Unlock
            </SubmitButton>
          </form>
        ) : null}
        {canWrite && member.status === "invited" ? (
          <>
            <form action={resendAction}>
              <input type="hidden" name="id" value={member.id} />
              <SubmitButton variant="secondary" className="px-2 py-1" aria-label={`Resend the invitation to ${member.email}`}>
                Resend invitation
              </SubmitButton>
            </form>
            <form
              action={revokeAction}
              onSubmit={(e) => {
                if (!window.confirm(`Revoke the invitation of ${member.email}? The link stops working and they are removed.`)) e.preventDefault();
              }}
            >
              <input type="hidden" name="id" value={member.id} />
              <SubmitButton variant="danger" className="px-2 py-1" aria-label={`Revoke the invitation of ${member.email}`}>
                Revoke invitation
              </SubmitButton>
            </form>
          </>
        ) : null}
        {canWrite ? (
          <form
            action={removeAction}
            onSubmit={(e) => {
              const who = isSelf ? "yourself" : member.email;
              if (!window.confirm(`Remove ${who} from the organisation? Their sessions and API access end at once.`)) e.preventDefault();
            }}
          >
            <input type="hidden" name="id" value={member.id} />
            <SubmitButton variant="danger" className="px-2 py-1" aria-label={`Remove ${member.email}`}>
              Remove
            </SubmitButton>
          </form>
        ) : null}
      </div>
      {last ? <FormMessage state={last.state} success={last.verb} testId={`member-message-${slug}`} /> : null}
    </div>
  );
}
