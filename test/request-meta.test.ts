// The client address: the socket's peer (from our launcher) unless proxies are trusted,
// then only the entry the nearest trusted proxy appended. Never what the client wrote.
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { requestMeta } from "@/lib/http/request-meta";

const saved = { hops: process.env.TRUSTED_PROXY_HOPS, launcher: process.env.PLATFORM_PEER_HEADER };
afterEach(() => {
  for (const [name, value] of [
    ["TRUSTED_PROXY_HOPS", saved.hops],
    ["PLATFORM_PEER_HEADER", saved.launcher],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvCache();
});

function setEnv(hops: string | undefined, launcher: string | undefined) {
  if (hops === undefined) delete process.env.TRUSTED_PROXY_HOPS;
  else process.env.TRUSTED_PROXY_HOPS = hops;
  if (launcher === undefined) delete process.env.PLATFORM_PEER_HEADER;
  else process.env.PLATFORM_PEER_HEADER = launcher;
  resetEnvCache();
}

const headers = (h: { xff?: string; peer?: string }) =>
  new Headers({ "user-agent": "ua", ...(h.xff ? { "x-forwarded-for": h.xff } : {}), ...(h.peer ? { "x-platform-peer": h.peer } : {}) });

describe("requestMeta", () => {
  it("by default (no proxy) takes the launcher's peer address and ignores X-Forwarded-For", () => {
    setEnv(undefined, "1");
    expect(requestMeta(headers({ xff: "6.6.6.6", peer: "198.51.100.9" })).ip).toBe("198.51.100.9");
    expect(requestMeta(headers({ xff: "6.6.6.6, 7.7.7.7", peer: "::ffff:198.51.100.9" })).ip).toBe("198.51.100.9");
    expect(requestMeta(headers({ xff: "6.6.6.6", peer: "2001:db8::1" })).ip).toBe("2001:db8::1");
    // Rotating X-Forwarded-For changes nothing.
    const ips = new Set(["1.1.1.1", "2.2.2.2", "3.3.3.3"].map((xff) => requestMeta(headers({ xff, peer: "198.51.100.9" })).ip));
    expect([...ips]).toEqual(["198.51.100.9"]);
  });

  it("without the launcher (a bare `next start`) trusts neither header", () => {
    setEnv(undefined, undefined);
    expect(requestMeta(headers({ xff: "6.6.6.6", peer: "5.5.5.5" })).ip).toBeUndefined();
    setEnv("0", "0");
    expect(requestMeta(headers({ xff: "6.6.6.6", peer: "5.5.5.5" })).ip).toBeUndefined();
  });

  it("behind trusted proxies takes the address the nearest one appended, not what the client wrote", () => {
    setEnv("1", "1");
    expect(requestMeta(headers({ xff: "6.6.6.6, 203.0.113.5", peer: "10.0.0.2" })).ip).toBe("203.0.113.5");
    setEnv("2", "1");
    expect(requestMeta(headers({ xff: "6.6.6.6, 203.0.113.5, 10.0.0.2" })).ip).toBe("203.0.113.5");
    expect(requestMeta(headers({ xff: "203.0.113.5" })).ip).toBe("203.0.113.5");
    expect(requestMeta(headers({})).ip).toBeUndefined();
  });

  it("rejects a negative hop count", () => {
    setEnv("-1", "1");
    expect(() => requestMeta(headers({}))).toThrow(/TRUSTED_PROXY_HOPS/);
  });
});
