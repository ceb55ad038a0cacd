"use client";
// The console's forms call its JSON API (app/platform/api) and show the answer in the
// shared form components' state: problem+json field errors beside their fields, the
// detail as the form message. A 401 (session ended) goes back to sign-in.
import type { FormState } from "@/components/form";

export interface JsonState<R = unknown> extends FormState {
  result?: R;
}

interface ProblemBody {
  detail?: string;
  errors?: { path: string; message: string }[];
}

export async function sendJson<R>(method: "POST" | "DELETE", url: string, body?: unknown): Promise<JsonState<R>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, message: "The console could not be reached; nothing was changed. Try again.", at: Date.now() };
  }
  if (res.ok) {
    const result = res.status === 204 ? undefined : ((await res.json().catch(() => undefined)) as R | undefined);
    return { ok: true, result, at: Date.now() };
  }
  const problem = (await res.json().catch(() => ({}))) as ProblemBody;
  // The session ended: a full load of the sign-in page drops this page's client state.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  if (res.status === 401 && !url.includes("/sign-in")) window.location.assign("/platform/sign-in");
  const fieldErrors = Object.fromEntries((problem.errors ?? []).map((e) => [e.path || "form", e.message]));
  return { ok: false, message: problem.detail ?? `The request failed (${res.status}).`, fieldErrors, at: Date.now() };
}

/** The form's text fields as an object (empty ones left out, so optional fields stay absent). */
export function formFields(form: FormData, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = form.get(name);
    if (typeof v === "string" && v !== "") out[name] = v;
  }
  return out;
}
