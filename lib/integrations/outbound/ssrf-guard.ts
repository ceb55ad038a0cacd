// The SSRF guard: which URLs and addresses an integration may reach. The hostname is
// resolved here, every address it resolves to is checked, and the caller connects to
// exactly those addresses (pinned-request.ts), so a DNS answer that changes between the
// check and the connect (rebinding) cannot smuggle in an internal address.
import { withTimeout } from "@/lib/async/with-timeout";
import { lookup as dnsLookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { hostPortKey } from "./allowed-hosts";
import { OutboundError, OutboundTimeoutError, SsrfRefusedError } from "./errors";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves every address of a hostname (injectable for tests). */
export type ResolveAll = (hostname: string) => Promise<ResolvedAddress[]>;

// Address classification is ipaddr.js's (its special-purpose ranges), not hand-written
// parsing: any range other than plain unicast is refused.
const labels: Record<string, string> = {
  linkLocal: "link-local",
  carrierGradeNat: "shared (CGNAT)",
  uniqueLocal: "private",
  deprecatedSiteLocal: "private",
  discard: "reserved",
};
const nat64 = ipaddr.parseCIDR("64:ff9b::/96");
// IPv4-compatible IPv6 addresses (deprecated): ipaddr.js calls them unicast.
const ipv4Compatible = ipaddr.parseCIDR("::/96");

/** An IPv4 address carried inside an IPv6 one: NAT64 (64:ff9b::/96) or 6to4 (2002::/16). Mapped ones are unwrapped by ipaddr.process. */
function embeddedIpv4(address: ipaddr.IPv6): string | null {
  const bytes = address.toByteArray();
  if (address.match(nat64)) return bytes.slice(12, 16).join(".");
  if (address.range() === "6to4") return bytes.slice(2, 6).join(".");
  return null;
}

/** Why an address may not be called ("loopback", "private", ...), or null when it is public. */
export function blockedAddressReason(rawAddress: string): string | null {
  if (!ipaddr.isValid(rawAddress)) return "not an IP address";
  const address = ipaddr.process(rawAddress); // ::ffff:a.b.c.d becomes a.b.c.d
  const embedded = rawAddress.includes(":") && address.kind() === "ipv4";
  if (address.kind() === "ipv6") {
    const v6 = address as ipaddr.IPv6;
    const inner = embeddedIpv4(v6);
    if (inner) {
      const reason = blockedAddressReason(inner);
      return reason ? `${reason} (embedded in IPv6)` : null;
    }
  }
  const range = address.range();
  if (range === "unicast") return address.kind() === "ipv6" && address.match(ipv4Compatible) ? "reserved" : null;
  const label = labels[range] ?? (range === "rfc6052" ? "reserved" : range);
  return embedded ? `${label} (embedded in IPv6)` : label;
}

/** The address in the one form the connection will use (ipaddr.js's canonical text; ::ffff:a.b.c.d as a.b.c.d). */
function canonical(address: string): ResolvedAddress {
  const parsed = ipaddr.process(address);
  return { address: parsed.toString(), family: parsed.kind() === "ipv6" ? 6 : 4 };
}

/** Scheme and credentials: checked before anything is resolved. */
export function checkUrlShape(url: URL): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new SsrfRefusedError(`scheme ${url.protocol} is not allowed (http and https only)`);
  if (url.username || url.password) throw new SsrfRefusedError("credentials in the URL are not allowed");
  if (!url.hostname) throw new SsrfRefusedError("the URL has no host");
}

const systemResolveAll: ResolveAll = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The addresses the client may connect to for this URL. WHATWG URL parsing has already
 * turned decimal/octal/hex IPv4 forms (2130706433, 0x7f.1) into dotted quads, so an IP
 * literal is checked as what it really is. Refuses when ANY resolved address is blocked:
 * a mixed answer is the classic rebinding setup.
 */
export async function resolveAllowed(
  url: URL,
  opts: { allowedHosts: ReadonlySet<string>; timeoutMs: number; resolveAll?: ResolveAll },
): Promise<ResolvedAddress[]> {
  checkUrlShape(url);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const literal = ipaddr.isValid(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: ipaddr.parse(host).kind() === "ipv6" ? 6 : 4 }];
  else {
    try {
      addresses = await withTimeout((opts.resolveAll ?? systemResolveAll)(host), opts.timeoutMs, () => new OutboundTimeoutError("dns", opts.timeoutMs));
    } catch (err) {
      if (err instanceof OutboundError) throw err;
      const code = (err as { code?: string }).code ?? "unknown";
      // EAI_AGAIN is a resolver hiccup; ENOTFOUND and friends will not fix themselves.
      throw new OutboundError(`DNS lookup of ${host} failed: ${code}`, { reason: "network", retriable: code === "EAI_AGAIN", cause: err });
    }
    if (addresses.length === 0) throw new OutboundError(`DNS lookup of ${host} returned no address`, { reason: "network", retriable: false });
  }
  // A named host:port on INTEGRATIONS_ALLOWED_HOSTS is the only way past the address check.
  const listed = opts.allowedHosts.has(hostPortKey(url));
  for (const { address } of addresses) {
    const reason = blockedAddressReason(address);
    if (reason === "not an IP address") throw new SsrfRefusedError(`${host} resolved to something that is not an IP address`);
    if (reason && !listed) {
      const what = literal ? `${address} is` : `${host} resolves to`;
      throw new SsrfRefusedError(
        `${what} a ${reason} address${literal ? "" : ` (${address})`}; private networks are not allowed unless ${hostPortKey(url)} is listed in INTEGRATIONS_ALLOWED_HOSTS`,
      );
    }
  }
  return addresses.map((a) => canonical(a.address));
}
