// Who is calling, as far as the request says: kept with sessions and audit rows.
import type { AuditContext } from "@/lib/audit/context";
import { serverEnv } from "@/lib/env";
import { internalHeaders } from "@/lib/tenancy/internal-headers";
import { log } from "@/lib/observability/logger";

interface HeaderReader {
  get(name: string): string | null;
}

export interface RequestMeta {
  requestId: string;
  ip?: string;
  userAgent?: string;
}

let warnedNoPeer = false;

/** An IPv4 peer seen on a dual-stack socket (`::ffff:203.0.113.5`) is that IPv4 address. */
function plainAddress(value: string | null | undefined): string | undefined {
  const text = value?.trim().slice(0, 64);
  if (!text) return undefined;
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(text) ? text.slice(7) : text;
}

/**
 * The client's address. No trusted proxy (TRUSTED_PROXY_HOPS=0, the default): the
 * socket's peer, which only our launcher can tell (it overwrites x-platform-peer);
 * X-Forwarded-For is then the client's word and ignored. N trusted proxies: each
 * appends the address it saw, so the entry N from the right is the client's.
 */
export function clientAddress(headers: HeaderReader): string | undefined {
  const env = serverEnv();
  const hops = env.TRUSTED_PROXY_HOPS;
  if (hops === 0) {
    if (env.PLATFORM_PEER_HEADER) return plainAddress(headers.get(internalHeaders.peer));
    if (!warnedNoPeer) {
      warnedNoPeer = true;
      log().warn(
        { component: "request-meta" },
        "no client address: start the app with `npm start` / `npm run dev` (scripts/start.mjs), or set TRUSTED_PROXY_HOPS behind a proxy.",
      );
    }
    return undefined;
  }
  const forwarded =
    headers
      .get("x-forwarded-for")
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  return plainAddress(forwarded[Math.max(0, forwarded.length - hops)]);
}

export function requestMeta(headers: HeaderReader, requestId?: string): RequestMeta {
  const userAgent = headers.get("user-agent")?.slice(0, 500) ?? undefined;
  return { requestId: requestId ?? headers.get(internalHeaders.requestId) ?? crypto.randomUUID(), ip: clientAddress(headers), userAgent };
}

/** The audit context of an anonymous caller (sign-in, token endpoints) from its request metadata. */
export function anonymousContext(meta: RequestMeta, label?: string): AuditContext {
  return { actorType: "anonymous", actorLabel: label?.slice(0, 200), requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
}
