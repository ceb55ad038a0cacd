"use client";
import { useActionState, useState } from "react";
import { useRouter } from "next/navigation";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { formFields, sendJson, type JsonState } from "./send-json";
import { textLimits } from "@/lib/zod/limits";

type Created = { tenant: { slug: string }; invitation: { email: string; emailed: true } | { email: string; emailed: false; link: string; reason: string } };

export function CreateTenantForm() {
  const router = useRouter();
  // Controlled: React resets uncontrolled fields after an action, and a refused form must keep what was typed.
  const [values, setValues] = useState({ slug: "", name: "", ownerEmail: "" });
  const bind = (name: keyof typeof values) => ({
    value: values[name],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
  });
  const [state, action] = useActionState(
    async (_: JsonState<Created>, form: FormData) => {
      const res = await sendJson<Created>("POST", "/platform/api/tenants", formFields(form, ["slug", "name", "ownerEmail"]));
      if (res.ok) {
        setValues({ slug: "", name: "", ownerEmail: "" });
        router.refresh();
      }
      return res;
    },
    { ok: false } as JsonState<Created>,
  );
  return (
    <form action={action} className="grid gap-4 sm:grid-cols-3" data-testid="create-tenant-form" noValidate>
      <Field
        label="Slug"
        name="slug"
        maxLength={textLimits.slug}
        id="create-slug"
        state={state}
        required
        hint="2-40 of a-z, 0-9 and -; the subdomain."
        {...bind("slug")}
      />
      <Field label="Name" name="name" maxLength={textLimits.name} id="create-name" state={state} required {...bind("name")} />
      <Field
        label="Owner email"
        name="ownerEmail"
        maxLength={textLimits.email}
        id="create-owner"
        type="email"
        state={state}
        required
        hint="Invited as the tenant's owner."
        {...bind("ownerEmail")}
      />
      <div className="space-y-3 sm:col-span-3">
        <FormMessage
          state={state}
          fields={["slug", "name", "ownerEmail"]}
          testId="create-tenant-message"
          success={
            state.result ? (
              state.result.invitation.emailed ? (
                <>
                  Tenant <strong>{state.result.tenant.slug}</strong> created; the invitation was emailed to {state.result.invitation.email}.
                </>
              ) : (
                <>
                  Tenant <strong>{state.result.tenant.slug}</strong> created, but the invitation email could not be sent ({state.result.invitation.reason}).
                  Send {state.result.invitation.email} this link yourself (shown once):{" "}
                  <span className="break-all font-mono" data-testid="invitation-link">
                    {state.result.invitation.link}
                  </span>
                </>
              )
            ) : null
          }
        />
        <SubmitButton pendingText="Creating…">Create tenant</SubmitButton>
      </div>
    </form>
  );
}
