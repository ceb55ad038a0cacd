// Who is calling, as far as the request says: kept with sessions and audit rows.
import type { AuditContext } from "@/lib/audit/context";
import { internalHeaders } from "@/lib/tenancy/internal-headers";

interface HeaderReader {
  get(name: string): string | null;
}

export interface RequestMeta {
  requestId: string;
  ip?: string;
  userAgent?: string;
}

export function requestMeta(headers: HeaderReader, requestId?: string): RequestMeta {
  // The nearest proxy (Next's own server, or the load balancer in front) appends the
  // peer address last; entries before it are whatever the client claimed.
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  const ip = (forwarded.at(-1) ?? headers.get("x-real-ip") ?? undefined)?.slice(0, 64);
  const userAgent = headers.get("user-agent")?.slice(0, 500) ?? undefined;
  return { requestId: requestId ?? headers.get(internalHeaders.requestId) ?? crypto.randomUUID(), ip, userAgent };
}

/** The audit context of an anonymous caller (sign-in, token endpoints) from its request metadata. */
export function anonymousContext(meta: RequestMeta, label?: string): AuditContext {
  return { actorType: "anonymous", actorLabel: label?.slice(0, 200), requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
}
