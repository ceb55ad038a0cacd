"use client";
import { useState } from "react";
import { sendJson } from "./send-json";

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="underline hover:text-slate-900"
      disabled={busy}
      data-testid="operator-sign-out"
      onClick={async () => {
        setBusy(true);
        await sendJson("POST", "/platform/api/sign-out");
        window.location.assign("/platform/sign-in");
      }}
    >
      Sign out
    </button>
  );
}
