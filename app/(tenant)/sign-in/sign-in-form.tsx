"use client";
// Two steps on one page: email + password; then, for accounts with two-factor
// authentication, a code (TOTP or recovery code) with the challenge in a hidden field.
import { useActionState, useState } from "react";
import { Field, FormMessage, initialFormState, SubmitButton, followRedirect } from "@/components/form";
import type { ActionState } from "@/lib/http/tenant-action";
import { codeStepAction, passwordStepAction, type SignInResult } from "./actions";
import { textLimits } from "@/lib/zod/limits";

const initial: ActionState<SignInResult> = initialFormState;

/** `next`: the same-host path to open after signing in (checked again on the server). */
export function SignInForm({ defaultEmail, next = "/" }: { defaultEmail?: string; next?: string }) {
  const [passwordState, passwordAction] = useActionState(followRedirect(passwordStepAction), initial);
  const [codeState, codeAction] = useActionState(followRedirect(codeStepAction), initial);
  // Controlled, so a failed attempt (React resets uncontrolled fields after an action) keeps the address.
  const [email, setEmail] = useState(defaultEmail ?? "");
  const [password, setPassword] = useState("");
  const [dismissed, setDismissed] = useState<string | null>(null);
  const offered = passwordState.ok ? passwordState.result?.challenge : undefined;
  const challenge = offered && offered !== dismissed ? offered : undefined;

  if (challenge) {
    return (
      <form action={codeAction} className="space-y-4" data-testid="mfa-step" noValidate>
        <p className="text-sm text-slate-600">
          This account uses two-factor authentication. Enter the 6-digit code from your authenticator app, or one of your recovery codes.
        </p>
        <input type="hidden" name="challenge" value={challenge} />
        <input type="hidden" name="next" value={next} />
        <Field
          label="Authentication code"
          name="code"
          maxLength={textLimits.signInCode}
          state={codeState}
          autoComplete="one-time-code"
          autoFocus
          required
          hint="A 6-digit code, or a recovery code such as abcde-12345."
        />
        <FormMessage state={codeState} fields={["code"]} testId="sign-in-error" />
        <div className="flex items-center gap-3">
          <SubmitButton pendingText="Checking…">Verify and sign in</SubmitButton>
          <button type="button" className="text-sm text-slate-600 underline" onClick={() => setDismissed(challenge)}>
            Start again
          </button>
        </div>
      </form>
    );
  }

  return (
    <form action={passwordAction} className="space-y-4" data-testid="password-step" noValidate>
      <input type="hidden" name="next" value={next} />
      <Field
        label="Email"
        name="email"
        maxLength={textLimits.email}
        type="email"
        autoComplete="username"
        state={passwordState}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <Field
        label="Password"
        name="password"
        maxLength={textLimits.password}
        type="password"
        autoComplete="current-password"
        state={passwordState}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <FormMessage state={passwordState} fields={["email", "password"]} testId="sign-in-error" />
      <div className="flex items-center justify-between gap-3">
        <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
        <a href="/forgot-password" className="text-sm text-slate-600 underline" data-testid="forgot-password-link">
          Forgot your password?
        </a>
      </div>
    </form>
  );
}
