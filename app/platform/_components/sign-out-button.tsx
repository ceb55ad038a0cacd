"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { sendJson } from "./send-json";

export function SignOutButton() {
  const router = useRouter();
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
        router.replace("/platform/sign-in");
        router.refresh();
      }}
    >
      Sign out
    </button>
  );
}
