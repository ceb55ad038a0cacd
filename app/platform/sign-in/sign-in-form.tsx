"use client";
// Operator sign-in: email and password, then either the TOTP code or, with the CLI's
// one-time setup password, enrolment (scan the QR code, enter a code, choose a password).
import { useActionState, useState } from "react";
import { useRouter } from "next/navigation";
import { Field, FormMessage, NewPasswordFields, SubmitButton } from "@/components/form";
import { formFields, sendJson, type JsonState } from "../_components/send-json";
import { textLimits } from "@/lib/zod/limits";

type PasswordStep = { step: "totp"; challenge: string } | { step: "enrol"; challenge: string; enrolment: { uri: string; qrDataUrl: string; secret: string } };

const initial = { ok: false } as const;

export function OperatorSignInForm() {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [step, setStep] = useState<PasswordStep | null>(null);
  const [passwordState, passwordAction] = useActionState(async (_: JsonState<PasswordStep>, form: FormData) => {
    const res = await sendJson<PasswordStep>("POST", "/platform/api/sign-in", formFields(form, ["email", "password"]));
    if (res.ok && res.result) setStep(res.result);
    return res;
  }, initial);
  const [codeState, codeAction] = useActionState(async (_: JsonState, form: FormData) => {
    const res = await sendJson("POST", "/platform/api/sign-in/code", { challenge: step?.challenge ?? "", code: String(form.get("code") ?? "") });
    if (res.ok) router.replace("/platform/tenants");
    return res;
  }, initial);
  const [enrolState, enrolAction] = useActionState(async (_: JsonState, form: FormData) => {
    const newPassword = String(form.get("newPassword") ?? "");
    if (newPassword !== form.get("confirmPassword"))
      return { ok: false, message: "The two passwords differ.", fieldErrors: { confirmPassword: "Repeat the same password." } };
    const res = await sendJson("POST", "/platform/api/sign-in/enrol", { challenge: step?.challenge ?? "", code: String(form.get("code") ?? ""), newPassword });
    if (res.ok) router.replace("/platform/tenants");
    return res;
  }, initial);

  if (step?.step === "enrol") {
    return (
      <form action={enrolAction} className="space-y-4" data-testid="enrol-step" noValidate>
        <p className="text-sm text-slate-600">
          First sign-in: scan this code with your authenticator app (or enter the key by hand), then enter the 6-digit code it shows and choose your own
          password.
        </p>
        {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server */}
        <img src={step.enrolment.qrDataUrl} alt="TOTP QR code" width={220} height={220} className="rounded border border-slate-200" />
        <p className="break-all font-mono text-xs text-slate-700" data-testid="totp-secret">
          {step.enrolment.secret}
        </p>
        <Field
          label="Authentication code"
          name="code"
          maxLength={textLimits.operatorCode}
          state={enrolState}
          autoComplete="one-time-code"
          inputMode="numeric"
          required
        />
        <NewPasswordFields name="newPassword" label="New password" repeatLabel="Repeat the new password" state={enrolState} />
        <FormMessage state={enrolState} fields={["code", "newPassword", "confirmPassword"]} testId="sign-in-error" />
        <SubmitButton pendingText="Checking…">Confirm and sign in</SubmitButton>
      </form>
    );
  }
  if (step?.step === "totp") {
    return (
      <form action={codeAction} className="space-y-4" data-testid="code-step" noValidate>
        <p className="text-sm text-slate-600">Enter the 6-digit code from your authenticator app.</p>
        <Field
          label="Authentication code"
          name="code"
          maxLength={textLimits.operatorCode}
          state={codeState}
          autoComplete="one-time-code"
          inputMode="numeric"
          autoFocus
          required
        />
        <FormMessage state={codeState} fields={["code"]} testId="sign-in-error" />
        <div className="flex items-center gap-3">
          <SubmitButton pendingText="Checking…">Verify and sign in</SubmitButton>
          <button type="button" className="text-sm text-slate-600 underline" onClick={() => setStep(null)}>
            Start again
          </button>
        </div>
      </form>
    );
  }
  return (
    <form action={passwordAction} className="space-y-4" data-testid="password-step" noValidate>
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
      <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
    </form>
  );
}
