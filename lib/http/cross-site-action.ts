// Server actions posted from another site. Next refuses them itself, but with a 500
// ("Invalid Server Actions request"); the middleware sees them first and sends tenant
// requests to an audited 403 instead (app/(tenant)/cross-site-refused). Edge-safe and
// header-only. Same rule as Next's: the Origin's host must equal X-Forwarded-Host or
// Host; a request without Origin (not a browser, or a very old one) is left to Next.

interface RequestLike {
  method: string;
  headers: { get(name: string): string | null };
}

export const crossSiteRefusedPath = "/cross-site-refused";

/** Whether Next would treat the request as a server action (fetch action or form post). */
function possibleServerAction(request: RequestLike): boolean {
  if (request.method !== "POST") return false;
  if (request.headers.get("next-action") !== null) return true;
  const type = request.headers.get("content-type") ?? "";
  return type.startsWith("multipart/form-data") || type === "application/x-www-form-urlencoded";
}

/** The Origin of a cross-site server action ("null" for an opaque origin), else null. */
export function crossSiteActionOrigin(request: RequestLike): string | null {
  if (!possibleServerAction(request)) return null;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  let originHost: string;
  try {
    originHost = origin === "null" ? "null" : new URL(origin).host;
  } catch {
    return origin.slice(0, 200);
  }
  const forwarded = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const host = request.headers.get("host");
  return originHost === forwarded || originHost === host ? null : origin.slice(0, 200);
}
