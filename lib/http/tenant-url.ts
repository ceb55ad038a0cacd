// Absolute links on the tenant's own host (invitation links), from the request.
interface HeaderReader {
  get(name: string): string | null;
}

export function tenantOrigin(headers: HeaderReader, fallbackUrl?: string): string {
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? (fallbackUrl ? new URL(fallbackUrl).protocol.replace(":", "") : "http");
  if (!host) return fallbackUrl ? new URL(fallbackUrl).origin : "";
  return `${proto}://${host}`;
}

export function invitationUrl(request: Request, token: string): string {
  return `${tenantOrigin(request.headers, request.url)}/invite/${token}`;
}

export function invitationPath(token: string): string {
  return `/invite/${token}`;
}
