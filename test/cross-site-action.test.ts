// Which requests the middleware treats as cross-site server actions (Next's own rule:
// Origin's host must equal X-Forwarded-Host or Host), so they get an audited 403.
import { describe, expect, it } from "vitest";
import { crossSiteActionOrigin } from "@/lib/http/cross-site-action";

const req = (method: string, headers: Record<string, string>) => ({ method, headers: new Headers(headers) });
const action = { "next-action": "abc", "content-type": "text/plain;charset=UTF-8", host: "acme.localhost:3000" };

describe("crossSiteActionOrigin", () => {
  it("flags a server action whose Origin is another site, or opaque", () => {
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "http://evil.example" }))).toBe("http://evil.example");
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "null" }))).toBe("null");
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "http://globex.localhost:3000" }))).toBe("http://globex.localhost:3000");
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "not a url" }))).toBe("not a url");
    // A form post without JavaScript is a server action too.
    expect(crossSiteActionOrigin(req("POST", { host: action.host, "content-type": "multipart/form-data; boundary=x", origin: "http://evil.example" }))).toBe(
      "http://evil.example",
    );
    expect(crossSiteActionOrigin(req("POST", { host: action.host, "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" }))).toBe(
      "http://evil.example",
    );
  });

  it("lets same-site actions, requests without Origin and non-actions through", () => {
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "http://acme.localhost:3000" }))).toBeNull();
    expect(crossSiteActionOrigin(req("POST", { ...action, origin: "https://app.example.com", "x-forwarded-host": "app.example.com" }))).toBeNull();
    expect(crossSiteActionOrigin(req("POST", action))).toBeNull();
    expect(crossSiteActionOrigin(req("GET", { ...action, origin: "http://evil.example" }))).toBeNull();
    expect(crossSiteActionOrigin(req("POST", { host: action.host, "content-type": "application/json", origin: "http://evil.example" }))).toBeNull();
  });
});
