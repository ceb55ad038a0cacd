"use client";
import { useActionState, useState } from "react";
import { Field, FormMessage, initialFormState, NewPasswordFields, SubmitButton, type FormState } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { changePasswordAction, confirmMfaAction, disableMfaAction, regenerateCodesAction, revokeSessionAction, startMfaAction, type MfaSetup } from "./actions";
import { textLimits } from "@/lib/zod/limits";

export function ChangePasswordForm() {
  const [state, action] = useActionState(changePasswordAction, initialFormState as ActionState<{ otherSessionsRevoked: number }>);
  const revoked = state.ok ? (state.result?.otherSessionsRevoked ?? 0) : 0;
  return (
    <form action={action} className="max-w-md space-y-4" noValidate data-testid="password-form">
      <Field
        label="Current password"
        name="currentPassword"
        maxLength={textLimits.password}
        type="password"
        autoComplete="current-password"
        state={state}
        required
      />
      <NewPasswordFields name="newPassword" label="New password" repeatLabel="Repeat the new password" state={state} />
      <FormMessage
        state={state}
        testId="password-message"
        fields={["currentPassword", "newPassword", "confirmPassword"]}
        success={`Password changed.${revoked ? ` ${revoked} other session${revoked === 1 ? " was" : "s were"} signed out.` : ""}`}
      />
      <SubmitButton pendingText="Saving…">Change password</SubmitButton>
    </form>
  );
}

function newest<T extends FormState>(...states: T[]): T | undefined {
  return states.filter((s) => s.ok && s.at).sort((a, b) => (b.at ?? 0) - (a.at ?? 0))[0];
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="recovery-codes">
      <p className="text-sm font-medium text-amber-900">
        Save these 10 recovery codes somewhere safe now: they are shown only this once. Each works once, in place of a code from your app.
      </p>
      <ol className="grid grid-cols-2 gap-2 font-mono text-sm sm:grid-cols-5">
        {codes.map((c) => (
          <li key={c} className="rounded bg-white px-2 py-1 text-center" data-testid="recovery-code">
            {c}
          </li>
        ))}
      </ol>
      <button type="button" onClick={onDone} className="rounded-md bg-amber-700 px-3 py-2 text-sm font-medium text-white hover:bg-amber-800">
        I have saved my recovery codes
      </button>
    </div>
  );
}

export function MfaSection({ enabled, codesLeft, required }: { enabled: boolean; codesLeft: number; required: boolean }) {
  const [startState, startAction] = useActionState(startMfaAction, initialFormState as ActionState<MfaSetup>);
  const [confirmState, confirmAction] = useActionState(confirmMfaAction, initialFormState as ActionState<string[]>);
  const [regenState, regenAction] = useActionState(regenerateCodesAction, initialFormState as ActionState<string[]>);
  const [disableState, disableAction] = useActionState(disableMfaAction, initialFormState);
  const [dismissedAt, setDismissedAt] = useState(0);

  const withCodes = newest(confirmState, regenState);
  if (withCodes?.result && (withCodes.at ?? 0) !== dismissedAt) {
    return <RecoveryCodes codes={withCodes.result} onDone={() => setDismissedAt(withCodes.at ?? 0)} />;
  }

  if (!enabled) {
    // A set-up started before MFA was last turned on or off is spent.
    const okAt = (st: FormState) => (st.ok ? (st.at ?? 0) : 0);
    const setup = okAt(startState) > Math.max(okAt(confirmState), okAt(disableState)) ? startState.result : undefined;
    return (
      <div className="space-y-4">
        {okAt(disableState) > okAt(startState) ? (
          <p role="status" className="text-sm text-green-800" data-testid="mfa-disabled">
            Two-factor authentication is off.
          </p>
        ) : null}
        <p className="text-sm text-slate-700" data-testid="mfa-status">
          Two-factor authentication is <strong>off</strong>. Turn it on to ask for a code from an authenticator app at every sign-in.
        </p>
        {setup ? (
          <div className="space-y-4" data-testid="mfa-setup">
            <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
              <li>Scan this QR code with an authenticator app (Google Authenticator, 1Password, Authy, …).</li>
              <li>Or type the key below into the app by hand.</li>
              <li>Enter the 6-digit code the app shows to finish.</li>
            </ol>
            {/* A data: URL made on the server; next/image adds nothing here. */}
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img
              src={setup.qrDataUrl}
              alt="QR code to add this account to an authenticator app"
              width={220}
              height={220}
              className="rounded border border-slate-200"
              data-testid="mfa-qr"
            />
            <div>
              <span className="block text-xs font-medium uppercase tracking-wide text-slate-600">Key for manual entry</span>
              <code className="mt-1 inline-block select-all break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm" data-testid="mfa-secret">
                {setup.secret}
              </code>
            </div>
            <form action={confirmAction} className="flex max-w-md flex-wrap items-end gap-3" noValidate data-testid="mfa-confirm-form">
              <Field
                id="mfa-confirm-code"
                label="Code from the app"
                name="code"
                maxLength={textLimits.accountCode}
                inputMode="numeric"
                autoComplete="one-time-code"
                state={confirmState}
                required
                className="grow"
              />
              <SubmitButton pendingText="Checking…">Turn on</SubmitButton>
            </form>
            <FormMessage state={confirmState} testId="mfa-confirm-error" />
          </div>
        ) : (
          <form action={startAction}>
            <SubmitButton pendingText="Preparing…" data-testid="mfa-start">
              Set up two-factor authentication
            </SubmitButton>
          </form>
        )}
        <FormMessage state={startState} testId="mfa-start-error" />
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-700" data-testid="mfa-status">
        Two-factor authentication is <strong>on</strong>.{" "}
        <span data-testid="recovery-codes-left">
          {codesLeft} recovery code{codesLeft === 1 ? "" : "s"} left.
        </span>
      </p>
      <div className="grid gap-6 md:grid-cols-2">
        <form action={regenAction} className="space-y-3" noValidate data-testid="regenerate-form">
          <h3 className="font-medium">New recovery codes</h3>
          <p className="text-sm text-slate-600">Replaces all your recovery codes; the old ones stop working.</p>
          <Field
            id="regen-code"
            label="Code from the app"
            name="code"
            maxLength={textLimits.accountCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            state={regenState}
            required
          />
          <FormMessage state={regenState} testId="regenerate-error" />
          <SubmitButton variant="secondary" pendingText="Working…">
            Generate new codes
          </SubmitButton>
        </form>
        <form action={disableAction} className="space-y-3" noValidate data-testid="disable-mfa-form">
          <h3 className="font-medium">Turn off</h3>
          {required ? (
            <p className="text-sm text-slate-600">This organisation requires two-factor authentication for your role, so it cannot be turned off.</p>
          ) : (
            <>
              <p className="text-sm text-slate-600">Sign-ins will ask only for your password.</p>
              <Field
                id="disable-code"
                label="Code from the app"
                name="code"
                maxLength={textLimits.accountCode}
                inputMode="numeric"
                autoComplete="one-time-code"
                state={disableState}
                required
              />
              <FormMessage state={disableState} testId="disable-mfa-error" />
              <SubmitButton variant="danger" pendingText="Working…">
                Turn off two-factor authentication
              </SubmitButton>
            </>
          )}
        </form>
      </div>
    </div>
  );
}

export function RevokeSessionButton({ id, label }: { id: string; label: string }) {
  const [state, action] = useActionState(revokeSessionAction, initialFormState);
  return (
    <form action={action}>
      <input type="hidden" name="id" value={id} />
      <SubmitButton variant="danger" className="px-2 py-1" aria-label={`Revoke ${label}`} data-testid="revoke-session">
        Revoke
      </SubmitButton>
      <FormMessage state={state} testId="revoke-session-error" />
    </form>
  );
}
