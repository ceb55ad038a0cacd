// Starting a Sync (spec 4.3): a PUT to the app's serve URL makes the SDK POST its
// functions to <its Inngest base URL>/fn/register, i.e. back to this runner, and the
// PUT answers with the outcome of that registration.
import { z } from "zod";
import { signatureHeader } from "./signing";
import { errorMessage, oneLine } from "./types";

export interface SyncResult {
  ok: boolean;
  /** HTTP status of the PUT; 0 when the app could not be reached. */
  status: number;
  message: string;
}

const putResponseSchema = z.object({ message: z.string().optional(), modified: z.boolean().optional() });

export async function syncApp(opts: {
  appUrl: string;
  signingKey?: string;
  serverKind: "dev" | "cloud";
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<SyncResult> {
  const headers: Record<string, string> = { "x-inngest-server-kind": opts.serverKind };
  // The SDK verifies a PUT's (empty) body only in cloud mode with unauthenticated
  // syncs disabled; signing it costs nothing and keeps that mode working.
  if (opts.signingKey) headers["x-inngest-signature"] = signatureHeader("", opts.signingKey);
  try {
    const res = await fetch(opts.appUrl, {
      method: "PUT",
      headers,
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
    });
    const text = await res.text();
    let message = oneLine(text, 300) || res.statusText;
    try {
      const parsed = putResponseSchema.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.message) message = parsed.data.message;
    } catch {
      // not JSON (e.g. an HTML error page while the app compiles): keep the text
    }
    return { ok: res.status === 200, status: res.status, message };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { ok: false, status: 0, message: `${errorMessage(err)}${cause}` };
  }
}
