// Secrets at rest: AES-256-GCM with a key id on each ciphertext, bound to where it belongs.
import { afterEach, describe, expect, it } from "vitest";
import { open, seal, SecretBoxError, sealedKeyId } from "@/lib/crypto/secret-box";
import { resetEnvCache } from "@/lib/env";

const saved = process.env.ENCRYPTION_KEYS;
const keyA = `a:${Buffer.alloc(32, 1).toString("base64")}`;
const keyB = `b:${Buffer.alloc(32, 2).toString("base64")}`;
function useKeys(value: string) {
  process.env.ENCRYPTION_KEYS = value;
  resetEnvCache();
}

afterEach(() => useKeys(saved!));

describe("secret box", () => {
  it("round-trips, never contains the plaintext, and differs on every seal", () => {
    useKeys(keyA);
    const one = seal("JBSWY3DPEHPK3PXP", "mfa:acme:u1");
    const two = seal("JBSWY3DPEHPK3PXP", "mfa:acme:u1");
    expect(one).not.toContain("JBSWY3DPEHPK3PXP");
    expect(one).not.toBe(two);
    expect(open(one, "mfa:acme:u1")).toBe("JBSWY3DPEHPK3PXP");
    expect(sealedKeyId(one)).toBe("a");
  });

  it("refuses a ciphertext moved to another tenant or row, or tampered with", () => {
    useKeys(keyA);
    const sealed = seal("secret", "mfa:acme:u1");
    expect(() => open(sealed, "mfa:globex:u1")).toThrow(SecretBoxError);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("x" + Buffer.from(parts[3]!, "base64url").toString("latin1").slice(1), "latin1").toString("base64url");
    expect(() => open(parts.join("."), "mfa:acme:u1")).toThrow(SecretBoxError);
    expect(() => open("garbage", "mfa:acme:u1")).toThrow(SecretBoxError);
  });

  it("rotates: a new key in front encrypts, the old one still opens its ciphertexts, a removed one is named", () => {
    useKeys(keyA);
    const old = seal("secret", "x");
    useKeys(`${keyB},${keyA}`);
    expect(open(old, "x")).toBe("secret");
    const fresh = seal("secret", "x");
    expect(sealedKeyId(fresh)).toBe("b");
    useKeys(keyB);
    expect(() => open(old, "x")).toThrow(/no encryption key with id a/);
  });
});
