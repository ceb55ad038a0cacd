// Sign-in failures (by reason) and account lockouts.
import { counter } from "@/lib/observability/metrics";

export const signInFailures = counter({
  name: "platform_signin_failures_total",
  help: "Failed sign-in attempts, by reason (invalid_credentials, invalid_otp, ...).",
  labels: { reason: ["invalid_credentials", "invalid_otp", "invalid_code", "challenge_expired"] },
});
export const lockouts = counter({ name: "platform_account_lockouts_total", help: "Accounts locked after repeated failed sign-ins." });
