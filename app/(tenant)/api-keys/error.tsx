"use client";
// The API keys section's error boundary: its pages fail alone, with a way back (_components/error-panel.tsx).
import { ErrorPanel } from "../_components/error-panel";

export default function ApiKeysError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorPanel error={error} reset={reset} section={{ href: "/api-keys", label: "API keys" }} />;
}
