// Who is calling, as far as the request says: kept with sessions and audit rows.
import type { AuditContext } from "@/lib/audit/context";
import { serverEnv } from "@/lib/env";
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
  // Each trusted proxy appends the address it saw; entries further left are whatever
  // the client claimed. Next itself only fills X-Forwarded-For when it is missing, so
  // without a proxy in front the address is the client's word (see README).
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  const hops = serverEnv().TRUSTED_PROXY_HOPS;
  const ip = (forwarded[Math.max(0, forwarded.length - hops)] ?? undefined)?.slice(0, 64);
  const userAgent = headers.get("user-agent")?.slice(0, 500) ?? undefined;
  return { requestId: requestId ?? headers.get(internalHeaders.requestId) ?? crypto.randomUUID(), ip, userAgent };
}

/** The audit context of an anonymous caller (sign-in, token endpoints) from its request metadata. */
export function anonymousContext(meta: RequestMeta, label?: string): AuditContext {
  return { actorType: "anonymous", actorLabel: label?.slice(0, 200), requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
}
