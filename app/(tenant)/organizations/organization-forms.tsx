"use client";
// Forms of the Organizations pages; each posts to a server action in ./actions.ts.
import { useActionState } from "react";
import { Field, followRedirect, FormMessage, initialFormState, SelectField, SubmitButton } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import {
  addOrganizationMemberAction,
  createOrganizationAction,
  deleteOrganizationAction,
  removeOrganizationMemberAction,
  renameOrganizationAction,
  updateOrganizationMemberAction,
} from "./actions";
import { textLimits } from "@/lib/zod/limits";

const orgRoleOptions = [
  { value: "member", label: "Member" },
  { value: "org_admin", label: "Organization admin" },
] as const;

export function CreateOrganizationForm() {
  const [state, action] = useActionState(createOrganizationAction, initialFormState as ActionState<{ id: string; name: string }>);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" noValidate data-testid="create-organization-form">
      <Field className="min-w-64 flex-1" label="Name" name="name" maxLength={textLimits.name} state={state} placeholder="Customer success" required />
      <SubmitButton pendingText="Creating…">Create organization</SubmitButton>
      <div className="w-full">
        <FormMessage
          state={state}
          fields={["name"]}
          testId="create-organization-message"
          success={state.ok ? `Created ${state.result?.name ?? ""}.` : undefined}
        />
      </div>
    </form>
  );
}

export function RenameOrganizationForm({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState(renameOrganizationAction, initialFormState);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" noValidate data-testid="rename-organization-form">
      <input type="hidden" name="organizationId" value={id} />
      <Field className="min-w-64 flex-1" label="Name" name="name" maxLength={textLimits.name} state={state} defaultValue={name} key={name} required />
      <SubmitButton variant="secondary" pendingText="Saving…">
        Rename
      </SubmitButton>
      <div className="w-full">
        <FormMessage state={state} fields={["name"]} testId="rename-organization-message" success="Saved." />
      </div>
    </form>
  );
}

export function DeleteOrganizationButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState(followRedirect(deleteOrganizationAction), initialFormState as ActionState<{ redirectTo: string }>);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!window.confirm(`Delete the organization “${name}”? Its memberships and the API keys scoped to it go with it.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="organizationId" value={id} />
      <SubmitButton variant="danger" data-testid="delete-organization">
        Delete organization
      </SubmitButton>
      <FormMessage state={state} testId="delete-organization-error" />
    </form>
  );
}

export function AddOrganizationMemberForm({ id, candidates }: { id: string; candidates: { id: string; email: string }[] }) {
  const [state, action] = useActionState(addOrganizationMemberAction, initialFormState);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" noValidate data-testid="add-organization-member-form">
      <input type="hidden" name="organizationId" value={id} />
      <SelectField className="min-w-64 flex-1" label="Member" name="userId" state={state} options={candidates.map((c) => ({ value: c.id, label: c.email }))} />
      <SelectField label="Role in the organization" name="role" state={state} options={orgRoleOptions} />
      <SubmitButton pendingText="Adding…">Add</SubmitButton>
      <div className="w-full">
        <FormMessage state={state} fields={["userId", "role"]} testId="add-organization-member-message" />
      </div>
    </form>
  );
}

export function OrganizationMemberActions({ id, userId, email, role }: { id: string; userId: string; email: string; role: string }) {
  const [roleState, roleAction] = useActionState(updateOrganizationMemberAction, initialFormState);
  const [removeState, removeAction] = useActionState(removeOrganizationMemberAction, initialFormState);
  return (
    <div className="flex flex-wrap items-start gap-2">
      <form action={roleAction} className="flex items-end gap-2">
        <input type="hidden" name="organizationId" value={id} />
        <input type="hidden" name="userId" value={userId} />
        <SelectField
          id={`org-role-${userId}`}
          label={<span className="sr-only">Role of {email}</span>}
          name="role"
          defaultValue={role}
          key={role}
          options={orgRoleOptions}
        />
        <SubmitButton variant="secondary" className="px-2 py-1" aria-label={`Save role of ${email}`}>
          Save
        </SubmitButton>
        <FormMessage state={roleState} testId="org-role-error" />
      </form>
      <form
        action={removeAction}
        onSubmit={(e) => {
          if (!window.confirm(`Remove ${email} from this organization?`)) e.preventDefault();
        }}
      >
        <input type="hidden" name="organizationId" value={id} />
        <input type="hidden" name="userId" value={userId} />
        <SubmitButton variant="danger" className="px-2 py-1" aria-label={`Remove ${email}`}>
          Remove
        </SubmitButton>
        <FormMessage state={removeState} testId="org-remove-error" />
      </form>
    </div>
  );
}
