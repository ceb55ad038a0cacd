"use client";
// The Members section's error boundary: its pages fail alone, with a way back (_components/error-panel.tsx).
import { ErrorPanel } from "../_components/error-panel";

export default function MembersError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorPanel error={error} reset={reset} section={{ href: "/members", label: "Members" }} />;
}
