// Sign-in returns to the page asked for, but only to a path on the same host.
import { describe, expect, it } from "vitest";
import { safeReturnPath, signInPath } from "@/lib/http/return-path";

describe("safeReturnPath", () => {
  it.each([
    ["/members", "/members"],
    ["/audit?action=auth.sign_in_failed&limit=20", "/audit?action=auth.sign_in_failed&limit=20"],
    ["/integrations/abc#events", "/integrations/abc#events"],
    ["/a/../members", "/members"],
  ])("keeps the same-host path %j", (raw, expected) => {
    expect(safeReturnPath(raw)).toBe(expected);
  });

  it.each([
    "https://evil.example/",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example".replace("%5C", "\\"),
    "javascript:alert(1)",
    "members",
    "/members\u0000",
    "/members\r\nSet-Cookie: x=1",
    "/\tevil",
    "/sign-in",
    "/sign-in?next=/members",
    "/api/v1/me",
    "",
    `/${"a".repeat(2_001)}`,
    undefined,
    ["/members"],
  ])("sends %j home instead", (raw) => {
    expect(safeReturnPath(raw)).toBe("/");
  });

  it("builds the sign-in address that comes back", () => {
    expect(signInPath("/members?x=1")).toBe("/sign-in?next=%2Fmembers%3Fx%3D1");
    expect(signInPath("/")).toBe("/sign-in");
    expect(signInPath("//evil.example")).toBe("/sign-in");
  });
});
