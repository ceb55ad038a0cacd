"use client";
// The tenant shell's error boundary: any tenant page without a section boundary of its
// own (the dashboard, sign-in, invitations) fails here, with a way back (_components/error-panel.tsx).
import { ErrorPanel } from "./_components/error-panel";

export default function TenantError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorPanel error={error} reset={reset} />;
}
