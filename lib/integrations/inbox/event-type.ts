// The provider's name for what happened (for the inbox view), read without trusting
// the body: anything that is not a short string is left out.
import { readHeader, type HeadersLike } from "@/lib/integrations/signatures/headers";
import type { WebhookScheme } from "@/lib/integrations/settings";

function shortString(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 && v.length <= 200 ? v : null;
}

export function eventTypeOf(scheme: WebhookScheme, headers: HeadersLike, body: Buffer): string | null {
  if (scheme === "github") return shortString(readHeader(headers, "x-github-event"));
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (parsed && typeof parsed === "object" && "type" in parsed) return shortString(parsed.type);
  } catch {
    // Not JSON: processing will dead-letter it with a clear error.
  }
  return shortString(readHeader(headers, "x-event-type"));
}

/** Headers worth keeping with the event (never signatures or credentials). */
const keptHeaders = ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "x-github-event", "x-github-delivery", "x-event-type"];

export function keptHeadersOf(headers: HeadersLike, eventIdHeader?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of eventIdHeader ? [...keptHeaders, eventIdHeader.toLowerCase()] : keptHeaders) {
    const v = readHeader(headers, name);
    if (v !== undefined) out[name] = v.slice(0, 500);
  }
  return out;
}
