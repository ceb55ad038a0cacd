"use client";
// Suspend / resume / archive buttons, and the domain forms, of the tenant detail page.
import { useActionState, useState } from "react";
import { useRouter } from "next/navigation";
import { Field, FormMessage, SubmitButton } from "@/components/form";
import { sendJson, type JsonState } from "./send-json";
import { textLimits } from "@/lib/zod/limits";

const actionsFor: Record<string, { action: string; label: string; variant: "secondary" | "danger" }[]> = {
  active: [
    { action: "suspend", label: "Suspend", variant: "secondary" },
    { action: "archive", label: "Archive", variant: "danger" },
  ],
  suspended: [
    { action: "resume", label: "Resume", variant: "secondary" },
    { action: "archive", label: "Archive", variant: "danger" },
  ],
  archived: [],
};

export function StatusActions({ slug, status }: { slug: string; status: string }) {
  const router = useRouter();
  const [state, act] = useActionState(
    async (_: JsonState, form: FormData) => {
      const action = String(form.get("action") ?? "");
      if (action === "archive" && !window.confirm(`Archive ${slug}? The console cannot undo this.`)) return { ok: false };
      const res = await sendJson("POST", `/platform/api/tenants/${encodeURIComponent(slug)}/${action}`);
      if (res.ok) router.refresh();
      return res;
    },
    { ok: false } as JsonState,
  );
  const buttons = actionsFor[status] ?? [];
  return (
    <form action={act} className="flex flex-wrap items-center gap-3" data-testid="status-actions">
      {buttons.map((b) => (
        <SubmitButton key={b.action} name="action" value={b.action} variant={b.variant} data-testid={`tenant-${b.action}`}>
          {b.label}
        </SubmitButton>
      ))}
      {buttons.length === 0 ? <p className="text-sm text-slate-500">Archived: no further changes from the console.</p> : null}
      <FormMessage state={state} testId="status-message" />
    </form>
  );
}

export function AddDomainForm({ slug }: { slug: string }) {
  const router = useRouter();
  const [hostname, setHostname] = useState("");
  const [state, act] = useActionState(
    async (_: JsonState, form: FormData) => {
      const res = await sendJson("POST", `/platform/api/tenants/${encodeURIComponent(slug)}/domains`, {
        hostname: String(form.get("hostname") ?? ""),
        ...(form.get("primary") ? { primary: true } : {}),
        ...(form.get("verified") ? { verified: true } : {}),
      });
      if (res.ok) {
        setHostname("");
        router.refresh();
      }
      return res;
    },
    { ok: false } as JsonState,
  );
  return (
    <form action={act} className="flex flex-wrap items-end gap-3" data-testid="add-domain-form" noValidate>
      <Field
        label="Hostname"
        name="hostname"
        maxLength={textLimits.hostname}
        id="domain-hostname"
        state={state}
        required
        placeholder="app.example.com"
        value={hostname}
        onChange={(e) => setHostname(e.target.value)}
      />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="verified" value="1" /> Verified by me (routes at once, no TXT check)
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="primary" value="1" /> Primary
      </label>
      <SubmitButton pendingText="Adding…">Add domain</SubmitButton>
      <FormMessage state={state} fields={["hostname", "primary", "verified"]} testId="domain-message" />
    </form>
  );
}

/** Verify (DNS), make primary and remove buttons of one domain. */
export function DomainButtons({ slug, hostname, verified, primary }: { slug: string; hostname: string; verified: boolean; primary: boolean }) {
  const router = useRouter();
  const base = `/platform/api/tenants/${encodeURIComponent(slug)}/domains/${encodeURIComponent(hostname)}`;
  const [state, act] = useActionState(
    async (_: JsonState, form: FormData) => {
      const action = String(form.get("action") ?? "");
      const res = action === "remove" ? await sendJson("DELETE", base) : await sendJson("POST", `${base}/${action}`);
      if (res.ok) router.refresh();
      return res;
    },
    { ok: false } as JsonState,
  );
  return (
    <form action={act} className="flex flex-wrap items-center gap-2">
      {verified ? null : (
        <SubmitButton name="action" value="verify" variant="secondary" data-testid={`verify-domain-${hostname}`}>
          Verify
        </SubmitButton>
      )}
      {verified && !primary ? (
        <SubmitButton name="action" value="primary" variant="secondary" data-testid={`primary-domain-${hostname}`}>
          Make primary
        </SubmitButton>
      ) : null}
      <SubmitButton name="action" value="remove" variant="danger" data-testid={`remove-domain-${hostname}`}>
        Remove
      </SubmitButton>
      <FormMessage state={state} testId="domain-action-message" />
    </form>
  );
}
