// The SSRF guard: which URLs and addresses an integration may reach. The hostname is
// resolved here, every address it resolves to is checked, and the caller connects to
// exactly those addresses (pinned-request.ts), so a DNS answer that changes between the
// check and the connect (rebinding) cannot smuggle in an internal address.
import { withTimeout } from "@/lib/async/with-timeout";
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { OutboundError, OutboundTimeoutError, SsrfRefusedError } from "./errors";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves every address of a hostname (injectable for tests). */
export type ResolveAll = (hostname: string) => Promise<ResolvedAddress[]>;

const ipv4Ranges: [label: string, cidrs: [string, number][]][] = [
  ["unspecified", [["0.0.0.0", 8]]],
  ["loopback", [["127.0.0.0", 8]]],
  ["private", [["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16]]],
  ["shared (CGNAT)", [["100.64.0.0", 10]]],
  ["link-local", [["169.254.0.0", 16]]],
  ["broadcast", [["255.255.255.255", 32]]],
  ["multicast", [["224.0.0.0", 4]]],
  ["reserved", [["240.0.0.0", 4], ["192.0.0.0", 24], ["198.18.0.0", 15]]],
  ["documentation", [["192.0.2.0", 24], ["198.51.100.0", 24], ["203.0.113.0", 24]]],
];

const ipv6Ranges: [label: string, cidrs: [string, number][]][] = [
  ["unspecified", [["::", 128]]],
  ["loopback", [["::1", 128]]],
  // IPv4-compatible (deprecated) addresses; the mapped ones (::ffff:0:0/96) are checked as IPv4 below.
  ["reserved", [["::", 96], ["100::", 64], ["64:ff9b:1::", 48]]],
  ["private", [["fc00::", 7], ["fec0::", 10]]],
  ["link-local", [["fe80::", 10]]],
  ["multicast", [["ff00::", 8]]],
  ["documentation", [["2001:db8::", 32]]],
];

function lists(ranges: [string, [string, number][]][], type: "ipv4" | "ipv6"): [string, BlockList][] {
  return ranges.map(([label, cidrs]) => {
    const list = new BlockList();
    for (const [net, prefix] of cidrs) list.addSubnet(net, prefix, type);
    return [label, list];
  });
}

const v4Lists = lists(ipv4Ranges, "ipv4");
const v6Lists = lists(ipv6Ranges, "ipv6");

/** The 8 groups of an IPv6 address (with an optional trailing dotted quad), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const quad = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(2).map(Number) as [number, number, number, number];
    text = `${quad[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill("0"), ...tail] : head;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/** An IPv4 address carried inside an IPv6 one: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return quad(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return quad(g[6]!, g[7]!);
  if (g[0] === 0x2002) return quad(g[1]!, g[2]!);
  return null;
}

/** Why an address may not be called ("loopback", "private", ...), or null when it is public. */
export function blockedAddressReason(rawAddress: string): string | null {
  const address = rawAddress.split("%")[0]!; // drop an IPv6 zone id
  const family = isIP(address);
  if (family === 4) return v4Lists.find(([, list]) => list.check(address, "ipv4"))?.[0] ?? null;
  if (family !== 6) return "not an IP address";
  const v4 = embeddedIpv4(address);
  if (v4) {
    const inner = blockedAddressReason(v4);
    return inner ? `${inner} (embedded in IPv6)` : null;
  }
  return v6Lists.find(([, list]) => list.check(address, "ipv6"))?.[0] ?? null;
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
  opts: { allowPrivateNetworks: boolean; timeoutMs: number; resolveAll?: ResolveAll },
): Promise<ResolvedAddress[]> {
  checkUrlShape(url);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
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
  if (!opts.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) {
        const what = literal ? `${address} is` : `${host} resolves to`;
        throw new SsrfRefusedError(`${what} a ${reason} address${literal ? "" : ` (${address})`}; private networks are not allowed`);
      }
    }
  }
  return addresses;
}
