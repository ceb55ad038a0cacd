"use client";
// Form building blocks for server actions driven by React 19 useActionState: labelled
// fields that show their zod field error, a pending-aware submit button, and the
// form-level message. No data access; the state shape is lib/http/tenant-action's.
import { useFormStatus } from "react-dom";
import { textLimits } from "@/lib/zod/limits";
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

/** The subset of ActionState a form needs to show (kept structural: no server import). */
export interface FormState {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string>;
  at?: number;
}

export const initialFormState = { ok: false } as const;

/**
 * Wraps an action for useActionState so that, once it succeeds with `result.redirectTo`
 * (a same-origin path), the browser loads that page. Actions hand the destination back
 * instead of calling redirect(): Next pre-renders a server action's redirect target by
 * fetching it from its own listen origin (http://localhost:PORT), a fetch that drops
 * the Host header, so the middleware sees the platform's host. For a path the platform
 * also serves ("/") the platform's page was shown on the tenant's host; for other
 * paths Next falls back to a client navigation. A browser navigation is always right,
 * and reloads everything for the new session state. Started here, not in an effect,
 * because the form may unmount first (signing out re-renders the header without it).
 */
export function followRedirect<S extends FormState & { result?: unknown }, P>(action: (state: S, payload: P) => Promise<S>) {
  return async (state: S, payload: P): Promise<S> => {
    const next = await action(state, payload);
    const target = next.ok ? (next.result as { redirectTo?: unknown } | undefined)?.redirectTo : undefined;
    if (typeof target === "string" && target.startsWith("/") && !target.startsWith("//")) window.location.assign(target);
    return next;
  };
}

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 aria-[invalid=true]:border-red-500";

export function fieldError(state: FormState | undefined, name: string): string | undefined {
  return state && !state.ok ? state.fieldErrors?.[name] : undefined;
}

type FieldProps = {
  label: ReactNode;
  name: string;
  state?: FormState;
  hint?: ReactNode;
  /** The DOM id; defaults to a prefix of the name so two forms on a page do not clash. */
  id?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">;

export function Field({ label, name, state, hint, id, className, ...input }: FieldProps) {
  const fieldId = id ?? `field-${name}`;
  const error = fieldError(state, name);
  const described = [hint ? `${fieldId}-hint` : null, error ? `${fieldId}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <label htmlFor={fieldId} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input id={fieldId} name={name} aria-invalid={error ? true : undefined} aria-describedby={described} className={inputClass} {...input} />
      {hint ? (
        <p id={`${fieldId}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${fieldId}-error`} name={name} error={error} />
    </div>
  );
}

type SelectProps = {
  label: ReactNode;
  name: string;
  state?: FormState;
  id?: string;
  options: readonly { value: string; label: string }[];
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, "name" | "id">;

export function SelectField({ label, name, state, id, options, className, ...select }: SelectProps) {
  const fieldId = id ?? `field-${name}`;
  const error = fieldError(state, name);
  return (
    <div className={className}>
      <label htmlFor={fieldId} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        id={fieldId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${fieldId}-error` : undefined}
        className={inputClass}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={`${fieldId}-error`} name={name} error={error} />
    </div>
  );
}

export function FieldError({ id, name, error }: { id?: string; name: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700" data-testid={`error-${name}`}>
      {error}
    </p>
  );
}

export function SubmitButton({
  children,
  pendingText,
  variant = "primary",
  className = "",
  ...rest
}: {
  children: ReactNode;
  pendingText?: ReactNode;
  variant?: "primary" | "secondary" | "danger";
  className?: string;
} & Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type" | "children">) {
  const { pending } = useFormStatus();
  const styles = {
    primary: "bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300",
    secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:text-slate-400",
    danger: "border border-red-300 bg-white text-red-700 hover:bg-red-50 disabled:text-red-300",
  }[variant];
  return (
    <button
      type="submit"
      disabled={pending || rest.disabled}
      aria-busy={pending || undefined}
      className={`inline-flex items-center justify-center rounded-md px-3 py-2 text-sm font-medium shadow-sm ${styles} ${className}`}
      {...rest}
    >
      {pending && pendingText ? pendingText : children}
    </button>
  );
}

/**
 * The form-level outcome: an error (role=alert) or a success note (role=status). A
 * validation summary ("Invalid …: field: problem; …") whose every field error is shown
 * beside a field of this form (`fields`) is replaced by a short pointer to them.
 */
export function FormMessage({
  state,
  success,
  fields,
  testId = "form-message",
}: {
  state: FormState;
  success?: ReactNode;
  fields?: readonly string[];
  testId?: string;
}) {
  if (state.ok) {
    if (!success) return null;
    return (
      <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800" data-testid={`${testId}-ok`}>
        {success}
      </p>
    );
  }
  if (!state.message) return null;
  const keys = Object.keys(state.fieldErrors ?? {});
  const allShown = fields !== undefined && keys.length > 0 && keys.every((k) => fields.some((f) => k === f || k.startsWith(`${f}.`)));
  const text = allShown && state.message.startsWith("Invalid ") ? "Check the fields marked above." : state.message;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid={testId}>
      {text}
    </p>
  );
}

/** A new password and its repetition, with the policy as the hint (checked on the server). */
export function NewPasswordFields({ name, label, repeatLabel, state }: { name: string; label: string; repeatLabel: string; state: FormState }) {
  return (
    <>
      <Field
        label={label}
        name={name}
        type="password"
        autoComplete="new-password"
        maxLength={textLimits.password}
        state={state}
        required
        hint="At least 12 characters; not your email address and not a common password."
      />
      <Field label={repeatLabel} name="confirmPassword" type="password" autoComplete="new-password" maxLength={textLimits.password} state={state} required />
    </>
  );
}
