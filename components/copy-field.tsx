"use client";
// A secret or link shown once: read-only, selected on focus, with a copy button.
import { useState } from "react";

export function CopyField({ label, value, testId, hint }: { label: string; value: string; testId: string; hint?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const id = `${testId}-value`;
  return (
    <div className="mt-2">
      <label htmlFor={id} className="block text-xs font-medium uppercase tracking-wide text-slate-600">
        {label}
      </label>
      <div className="mt-1 flex gap-2">
        <input
          id={id}
          readOnly
          value={value}
          data-testid={testId}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
        />
        <button
          type="button"
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-800 hover:bg-slate-50"
          onClick={() => {
            navigator.clipboard?.writeText(value).then(
              () => setCopied("yes"),
              () => setCopied("no"),
            ) ?? setCopied("no");
          }}
        >
          Copy
        </button>
      </div>
      <p className="mt-1 text-xs text-slate-600" aria-live="polite">
        {copied === "yes" ? "Copied to the clipboard." : copied === "no" ? "Copying failed: select the text and copy it yourself." : (hint ?? null)}
      </p>
    </div>
  );
}
