"use client";
// The Audit log section's error boundary: its pages fail alone, with a way back (_components/error-panel.tsx).
import { ErrorPanel } from "../_components/error-panel";

export default function AuditError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorPanel error={error} reset={reset} section={{ href: "/audit", label: "Audit log" }} />;
}
