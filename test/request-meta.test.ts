// The client address behind trusted proxies: only entries a trusted proxy appended count.
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { requestMeta } from "@/lib/http/request-meta";

const saved = process.env.TRUSTED_PROXY_HOPS;
afterEach(() => {
  if (saved === undefined) delete process.env.TRUSTED_PROXY_HOPS;
  else process.env.TRUSTED_PROXY_HOPS = saved;
  resetEnvCache();
});

const headers = (xff?: string) => new Headers(xff ? { "x-forwarded-for": xff, "user-agent": "ua" } : { "user-agent": "ua" });

describe("requestMeta", () => {
  it("takes the address the nearest trusted proxy appended, not what the client wrote", () => {
    delete process.env.TRUSTED_PROXY_HOPS;
    resetEnvCache();
    expect(requestMeta(headers("6.6.6.6, 203.0.113.5")).ip).toBe("203.0.113.5");
    process.env.TRUSTED_PROXY_HOPS = "2";
    resetEnvCache();
    expect(requestMeta(headers("6.6.6.6, 203.0.113.5, 10.0.0.2")).ip).toBe("203.0.113.5");
    expect(requestMeta(headers("203.0.113.5")).ip).toBe("203.0.113.5");
    expect(requestMeta(headers()).ip).toBeUndefined();
  });
});
