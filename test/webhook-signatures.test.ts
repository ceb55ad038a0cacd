// Inbound webhook signatures: the four schemes against the sender-side helper (which
// shares no code with the verifiers) and against fixed vectors computed independently.
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  generateSecret,
  isUsableSecret,
  verifyWebhook,
  webhookSchemeOptionsSchema,
  webhookSchemeSchema,
  type VerifyWebhookInput,
  type WebhookFailureReason,
  type WebhookVerification,
} from "@/lib/integrations/signatures";
import { signWebhook } from "@/lib/integrations/signatures/sign";

const NOW = new Date(1_700_000_000_000);
const T = 1_700_000_000;
const JSON_BODY = Buffer.from('{"id":"evt_123","type":"thing.happened","data":{"n":1}}', "utf8");
// Not valid UTF-8 (lone continuation bytes, a truncated sequence, NUL): a verifier that
// decodes and re-encodes the body would compute a different MAC.
const BINARY_BODY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x7b, 0x0a, 0xe2, 0x82]);
const REENCODED_BINARY = Buffer.from(BINARY_BODY.toString("utf8"), "utf8");

function verify(input: Omit<VerifyWebhookInput, "now"> & { now?: Date }): WebhookVerification {
  return verifyWebhook({ now: NOW, ...input });
}

function expectRejected(result: WebhookVerification, reason: WebhookFailureReason): string {
  expect(result).toMatchObject({ ok: false, reason });
  if (result.ok) throw new Error("unreachable");
  expect(result.message.length).toBeGreaterThan(10);
  return result.message;
}

function expectVerified(result: WebhookVerification, eventId: string): void {
  expect(result).toMatchObject({ ok: true, eventId });
}

function tamper(body: Uint8Array, index = 5): Buffer {
  const copy = Buffer.from(body);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe("schemas", () => {
  it("parse the scheme enum and strict hmac options with header-name validation", () => {
    expect(webhookSchemeSchema.options).toEqual(["standard-webhooks", "stripe", "github", "hmac-sha256"]);
    expect(webhookSchemeSchema.safeParse("svix").success).toBe(false);
    expect(webhookSchemeOptionsSchema.parse({ signatureHeader: "X-Acme-Signature", eventIdHeader: "X-Acme-Delivery" })).toEqual({
      signatureHeader: "X-Acme-Signature",
      eventIdHeader: "X-Acme-Delivery",
    });
    expect(webhookSchemeOptionsSchema.parse({})).toEqual({});
    expect(webhookSchemeOptionsSchema.safeParse({ signatureHeader: "X Signature" }).success).toBe(false);
    expect(webhookSchemeOptionsSchema.safeParse({ signatureHeader: "X-Sig:" }).success).toBe(false);
    expect(webhookSchemeOptionsSchema.safeParse({ signatureHeader: "" }).success).toBe(false);
    expect(webhookSchemeOptionsSchema.safeParse({ signatureHeader: "x".repeat(101) }).success).toBe(false);
    expect(webhookSchemeOptionsSchema.safeParse({ other: "x" }).success).toBe(false);
  });
});

describe("generateSecret", () => {
  it("mints each scheme's secret shape, fresh every time, usable by the verifier", () => {
    const sw = generateSecret("standard-webhooks");
    expect(sw).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(sw.slice(6), "base64")).toHaveLength(24);
    expect(generateSecret("stripe")).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(generateSecret("github")).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecret("hmac-sha256")).toMatch(/^[0-9a-f]{64}$/);
    expect(generateSecret("github")).not.toBe(generateSecret("github"));
    for (const scheme of webhookSchemeSchema.options) {
      const secret = generateSecret(scheme);
      expect(isUsableSecret(scheme, secret)).toBe(true);
      const headers = signWebhook(scheme, secret, JSON_BODY, { timestamp: NOW, id: "evt_123" });
      expectVerified(verify({ scheme, secrets: [secret], headers, body: JSON_BODY }), "evt_123");
    }
  });

  it("isUsableSecret refuses what the verifier cannot use", () => {
    expect(isUsableSecret("standard-webhooks", "whsec_")).toBe(false);
    expect(isUsableSecret("standard-webhooks", "whsec_not base64!")).toBe(false);
    expect(isUsableSecret("standard-webhooks", `whsec_${Buffer.alloc(8).toString("base64")}`)).toBe(false);
    expect(isUsableSecret("standard-webhooks", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(true);
    expect(isUsableSecret("stripe", "")).toBe(false);
  });
});

describe("verifyWebhook: caller errors", () => {
  it("throws without secrets, on an unusable secret (not echoing it) and on a bad tolerance", () => {
    const headers = signWebhook("github", "s", JSON_BODY);
    expect(() => verify({ scheme: "github", secrets: [], headers, body: JSON_BODY })).toThrow(/at least one secret/);
    expect(() => verify({ scheme: "github", secrets: [""], headers, body: JSON_BODY })).toThrow(/secrets\[0\]/);
    expect(() => verify({ scheme: "github", secrets: ["s"], headers, body: JSON_BODY, toleranceSeconds: -1 })).toThrow(/toleranceSeconds/);
    const swHeaders = signWebhook("standard-webhooks", generateSecret("standard-webhooks"), JSON_BODY, { timestamp: NOW });
    let thrown: unknown;
    try {
      verify({ scheme: "standard-webhooks", secrets: ["whsec_bad!secret"], headers: swHeaders, body: JSON_BODY });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).not.toContain("bad!secret");
  });
});

describe("standard-webhooks", () => {
  const secret = "whsec_" + Buffer.alloc(32, 7).toString("base64");
  const sign = (body: Uint8Array, key = secret, timestamp: Date | number = NOW, id = "msg_1") => signWebhook("standard-webhooks", key, body, { id, timestamp });

  it("known answer: the specification's published vector (Headers object)", () => {
    const headers = new Headers({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
    const body = Buffer.from('{"test": 2432232314}');
    const now = new Date(1614265330 * 1000);
    for (const key of ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]) {
      const result = verify({ scheme: "standard-webhooks", secrets: [key], headers, body, now });
      expect(result).toEqual({ ok: true, eventId: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: now });
    }
    // The sender helper reproduces it too.
    expect(
      signWebhook("standard-webhooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body, { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330 })[
        "webhook-signature"
      ],
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expectRejected(
      verify({ scheme: "standard-webhooks", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], headers, body: tamper(body), now }),
      "bad_signature",
    );
  });

  it("known answer: an HMAC computed inline over id.timestamp.body with the decoded key", () => {
    const key = Buffer.alloc(32, 7);
    const mac = createHmac("sha256", key).update(`msg_1.${T}.`).update(JSON_BODY).digest("base64");
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(T), "webhook-signature": `v1,${mac}` };
    expect(verify({ scheme: "standard-webhooks", secrets: [secret], headers, body: JSON_BODY })).toEqual({ ok: true, eventId: "msg_1", timestamp: NOW });
  });

  it("accepts a valid delivery, header names in any case, body as ArrayBuffer", () => {
    const signed = sign(JSON_BODY);
    const shouted = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [secret], headers: shouted, body: JSON_BODY }), "msg_1");
    const arrayBuffer = JSON_BODY.buffer.slice(JSON_BODY.byteOffset, JSON_BODY.byteOffset + JSON_BODY.byteLength);
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [secret], headers: new Headers(signed), body: arrayBuffer }), "msg_1");
  });

  it("refuses a one-byte change to the body, the id or the timestamp, and a wrong secret", () => {
    const headers = sign(JSON_BODY);
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers, body: tamper(JSON_BODY) }), "bad_signature");
    expectRejected(
      verify({ scheme: "standard-webhooks", secrets: [secret], headers: { ...headers, "webhook-id": "msg_2" }, body: JSON_BODY }),
      "bad_signature",
    );
    expectRejected(
      verify({ scheme: "standard-webhooks", secrets: [secret], headers: { ...headers, "webhook-timestamp": String(T + 1) }, body: JSON_BODY }),
      "bad_signature",
    );
    const wrong = generateSecret("standard-webhooks");
    const message = expectRejected(verify({ scheme: "standard-webhooks", secrets: [wrong], headers, body: JSON_BODY }), "bad_signature");
    const expectedMac = createHmac("sha256", Buffer.from(wrong.slice(6), "base64"))
      .update(`msg_1.${T}.`)
      .update(JSON_BODY)
      .digest("base64");
    expect(message).not.toContain(expectedMac);
    expect(message).not.toContain(wrong);
  });

  it("refuses timestamps beyond the tolerance either way; the tolerance is overridable", () => {
    const at = (seconds: number, toleranceSeconds?: number) =>
      verify({ scheme: "standard-webhooks", secrets: [secret], headers: sign(JSON_BODY, secret, seconds), body: JSON_BODY, toleranceSeconds });
    expectVerified(at(T - 300), "msg_1");
    expectVerified(at(T + 300), "msg_1");
    expect(expectRejected(at(T - 301), "stale_timestamp")).toMatch(/past/);
    expect(expectRejected(at(T + 301), "stale_timestamp")).toMatch(/future/);
    expectVerified(at(T - 3600, 7200), "msg_1");
    expectRejected(at(T - 31, 30), "stale_timestamp");
  });

  it("accepts one valid signature among several, skipping other versions and repeated headers", () => {
    const valid = sign(JSON_BODY)["webhook-signature"]!;
    const other = sign(JSON_BODY, generateSecret("standard-webhooks"))["webhook-signature"]!;
    const headers = { ...sign(JSON_BODY), "webhook-signature": `${other} v1a,${"A".repeat(86)}== ${valid}` };
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [secret], headers, body: JSON_BODY }), "msg_1");
    const repeated = new Headers(sign(JSON_BODY));
    repeated.set("webhook-signature", other);
    repeated.append("webhook-signature", valid);
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [secret], headers: repeated, body: JSON_BODY }), "msg_1");
  });

  it("accepts the previous secret during rotation, not one outside the list", () => {
    const current = generateSecret("standard-webhooks");
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [current, secret], headers: sign(JSON_BODY), body: JSON_BODY }), "msg_1");
    const retired = generateSecret("standard-webhooks");
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [current, secret], headers: sign(JSON_BODY, retired), body: JSON_BODY }), "bad_signature");
  });

  it("names missing headers", () => {
    const headers = sign(JSON_BODY);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers: without("webhook-signature"), body: JSON_BODY }), "missing_signature");
    expectRejected(
      verify({ scheme: "standard-webhooks", secrets: [secret], headers: { ...headers, "webhook-signature": "  " }, body: JSON_BODY }),
      "missing_signature",
    );
    expect(
      expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers: without("webhook-timestamp"), body: JSON_BODY }), "missing_signature"),
    ).toMatch(/webhook-timestamp/);
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers: without("webhook-id"), body: JSON_BODY }), "missing_event_id");
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers: {}, body: JSON_BODY }), "missing_signature");
  });

  it("refuses malformed values and hostile sizes", () => {
    const headers = sign(JSON_BODY);
    const mac = headers["webhook-signature"]!.slice(3);
    const run = (patch: Record<string, string>) =>
      verify({ scheme: "standard-webhooks", secrets: [secret], headers: { ...headers, ...patch }, body: JSON_BODY });
    for (const signature of ["garbage", `v1=${mac}`, "v1,not-base64!", `v1,${mac.slice(0, -2)}`, `v2,${mac}`, `v1a,${mac}`, `V1,${mac}`]) {
      expectRejected(run({ "webhook-signature": signature }), "malformed_signature");
    }
    for (const timestamp of ["abc", "1.7e9", "-1700000000", `${T}.5`, "9".repeat(20)]) {
      expectRejected(run({ "webhook-timestamp": timestamp }), "malformed_signature");
    }
    expect(expectRejected(run({ "webhook-signature": Array(11).fill(`v1,${mac}`).join(" ") }), "malformed_signature")).toMatch(/at most 10/);
    expectRejected(run({ "webhook-signature": `v1,${mac} ${"x".repeat(5000)}` }), "malformed_signature");
    expectRejected(run({ "webhook-id": "m".repeat(256) }), "missing_event_id");
    expectVerified(run({ "webhook-signature": Array(10).fill(`v1,${mac}`).join(" ") }), "msg_1");
  });

  it("verifies binary, non-UTF-8 bodies as bytes", () => {
    const headers = sign(BINARY_BODY);
    expectVerified(verify({ scheme: "standard-webhooks", secrets: [secret], headers, body: BINARY_BODY }), "msg_1");
    expectRejected(verify({ scheme: "standard-webhooks", secrets: [secret], headers, body: REENCODED_BINARY }), "bad_signature");
  });
});

describe("stripe", () => {
  const secret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc";
  const sign = (body: Uint8Array, key = secret, timestamp: Date | number = NOW) => signWebhook("stripe", key, body, { timestamp });
  const v1 = (body: Uint8Array, key = secret, t = T) => createHmac("sha256", key).update(`${t}.`).update(body).digest("hex");

  it("known answer: a fixed vector, and the same HMAC computed inline", () => {
    const body = Buffer.from('{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"invoice.paid"}');
    // HMAC-SHA256(key = the secret string as UTF-8, "1700000000." + body), computed once outside this code and pinned.
    const fixed = "a1109edc22439d011daf26723641f4bcec47d6adf8d3597e3fc64245faad376d";
    expect(v1(body)).toBe(fixed);
    const headers = { "Stripe-Signature": `t=${T},v1=${fixed}` };
    expect(verify({ scheme: "stripe", secrets: [secret], headers, body })).toEqual({ ok: true, eventId: "evt_1NG8Du2eZvKYlo2CUI79vXWy", timestamp: NOW });
    expect(sign(body)["Stripe-Signature"]).toBe(`t=${T},v1=${fixed}`);
  });

  it("accepts a valid delivery with any header case and the Headers object", () => {
    const headers = sign(JSON_BODY);
    expectVerified(verify({ scheme: "stripe", secrets: [secret], headers: new Headers(headers), body: JSON_BODY }), "evt_123");
    expectVerified(verify({ scheme: "stripe", secrets: [secret], headers: { "stripe-signature": headers["Stripe-Signature"]! }, body: JSON_BODY }), "evt_123");
    // Spaces after commas, as some proxies or hand-written tests produce.
    expectVerified(verify({ scheme: "stripe", secrets: [secret], headers: { "Stripe-Signature": `t=${T}, v1=${v1(JSON_BODY)}` }, body: JSON_BODY }), "evt_123");
  });

  it("refuses a one-byte change, a changed t, and a wrong secret without revealing the MAC", () => {
    const headers = sign(JSON_BODY);
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers, body: tamper(JSON_BODY) }), "bad_signature");
    expectRejected(
      verify({ scheme: "stripe", secrets: [secret], headers: { "Stripe-Signature": `t=${T + 1},v1=${v1(JSON_BODY)}` }, body: JSON_BODY }),
      "bad_signature",
    );
    const message = expectRejected(verify({ scheme: "stripe", secrets: ["whsec_other"], headers, body: JSON_BODY }), "bad_signature");
    expect(message).not.toContain(v1(JSON_BODY, "whsec_other"));
    expect(message).not.toContain("whsec_other");
  });

  it("refuses timestamps beyond the tolerance either way", () => {
    const at = (seconds: number) => verify({ scheme: "stripe", secrets: [secret], headers: sign(JSON_BODY, secret, seconds), body: JSON_BODY });
    expectVerified(at(T - 300), "evt_123");
    expectVerified(at(T + 300), "evt_123");
    expectRejected(at(T - 301), "stale_timestamp");
    expectRejected(at(T + 301), "stale_timestamp");
    expectVerified(
      verify({ scheme: "stripe", secrets: [secret], headers: sign(JSON_BODY, secret, T - 900), body: JSON_BODY, toleranceSeconds: 1000 }),
      "evt_123",
    );
  });

  it("accepts one valid v1 among several and ignores v0 and unknown keys", () => {
    const header = `t=${T},v1=${v1(JSON_BODY, "whsec_a")},v0=${"0".repeat(64)},v1=${v1(JSON_BODY)},x=1`;
    expectVerified(verify({ scheme: "stripe", secrets: [secret], headers: { "Stripe-Signature": header }, body: JSON_BODY }), "evt_123");
    const onlyV0 = `t=${T},v0=${v1(JSON_BODY)}`;
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: { "Stripe-Signature": onlyV0 }, body: JSON_BODY }), "malformed_signature");
  });

  it("accepts the previous secret during rotation, not one outside the list", () => {
    expectVerified(verify({ scheme: "stripe", secrets: ["whsec_new", secret], headers: sign(JSON_BODY), body: JSON_BODY }), "evt_123");
    expectRejected(verify({ scheme: "stripe", secrets: ["whsec_new", secret], headers: sign(JSON_BODY, "whsec_retired"), body: JSON_BODY }), "bad_signature");
  });

  it("names a missing header, and a missing id only once the signature holds", () => {
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: {}, body: JSON_BODY }), "missing_signature");
    for (const raw of ['{"object":"event"}', '{"id":42}', '["evt_1"]', "not json", `{"id":"${"e".repeat(300)}"}`]) {
      const body = Buffer.from(raw);
      expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: sign(body), body }), "missing_event_id");
      // Unsigned, the body is not parsed at all: the signature failure comes first.
      expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: sign(body, "whsec_x"), body }), "bad_signature");
    }
  });

  it("refuses malformed values and hostile sizes", () => {
    const mac = v1(JSON_BODY);
    const run = (header: string) => verify({ scheme: "stripe", secrets: [secret], headers: { "Stripe-Signature": header }, body: JSON_BODY });
    for (const header of [
      "garbage",
      `v1=${mac}`,
      `t=${T}`,
      `t=${T},v1=xyz`,
      `t=${T},v1=${mac.slice(2)}`,
      `t=abc,v1=${mac}`,
      `t=${T},t=${T + 1},v1=${mac}`,
      `t=-5,v1=${mac}`,
    ]) {
      expectRejected(run(header), "malformed_signature");
    }
    expect(expectRejected(run(`t=${T},` + Array(11).fill(`v1=${mac}`).join(",")), "malformed_signature")).toMatch(/10/);
    expectRejected(run(`t=${T},v1=${mac},x=${"y".repeat(5000)}`), "malformed_signature");
    // A repeated header joined by ", " repeats the same t: fine.
    expectVerified(run(`t=${T},v1=${"1".repeat(64)}, t=${T},v1=${mac}`), "evt_123");
  });

  it("verifies a body with non-UTF-8 bytes as bytes", () => {
    const body = Buffer.concat([Buffer.from('{"id":"evt_bin","blob":"'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"}')]);
    expectVerified(verify({ scheme: "stripe", secrets: [secret], headers: sign(body), body }), "evt_bin");
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: sign(body), body: Buffer.from(body.toString("utf8")) }), "bad_signature");
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: sign(BINARY_BODY), body: REENCODED_BINARY }), "bad_signature");
    expectRejected(verify({ scheme: "stripe", secrets: [secret], headers: sign(BINARY_BODY), body: BINARY_BODY }), "missing_event_id");
  });
});

describe("github", () => {
  const secret = "0123456789abcdef".repeat(4);
  const sign = (body: Uint8Array, key = secret, id = "72d3162e-cc78-11e3-81ab-4c9367dc0958") => signWebhook("github", key, body, { id });
  const hex = (body: Uint8Array, key = secret) => createHmac("sha256", key).update(body).digest("hex");
  const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

  it("known answer: GitHub's documented vector", () => {
    const headers = new Headers({
      "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
      "X-GitHub-Delivery": delivery,
    });
    const result = verify({ scheme: "github", secrets: ["It's a Secret to Everybody"], headers, body: Buffer.from("Hello, World!") });
    expect(result).toEqual({ ok: true, eventId: delivery });
    expectRejected(verify({ scheme: "github", secrets: ["It's a Secret to Everybody"], headers, body: Buffer.from("Hello, World?") }), "bad_signature");
  });

  it("accepts a valid delivery (any header case, upper-case hex) with no timestamp check", () => {
    expectVerified(verify({ scheme: "github", secrets: [secret], headers: sign(JSON_BODY), body: JSON_BODY }), delivery);
    const headers = { "x-hub-signature-256": `sha256=${hex(JSON_BODY).toUpperCase()}`, "x-github-delivery": delivery };
    expectVerified(verify({ scheme: "github", secrets: [secret], headers, body: JSON_BODY, now: new Date(0) }), delivery);
  });

  it("refuses a one-byte change and a wrong secret", () => {
    expectRejected(verify({ scheme: "github", secrets: [secret], headers: sign(JSON_BODY), body: tamper(JSON_BODY, 0) }), "bad_signature");
    const message = expectRejected(verify({ scheme: "github", secrets: ["other"], headers: sign(JSON_BODY), body: JSON_BODY }), "bad_signature");
    expect(message).not.toContain(hex(JSON_BODY, "other"));
  });

  it("accepts one valid signature among several (repeated header)", () => {
    const headers = new Headers(sign(JSON_BODY, "other"));
    headers.append("X-Hub-Signature-256", `sha256=${hex(JSON_BODY)}`);
    expectVerified(verify({ scheme: "github", secrets: [secret], headers, body: JSON_BODY }), delivery);
  });

  it("accepts the previous secret during rotation, not one outside the list", () => {
    expectVerified(verify({ scheme: "github", secrets: ["new-secret", secret], headers: sign(JSON_BODY), body: JSON_BODY }), delivery);
    expectRejected(verify({ scheme: "github", secrets: ["new-secret", secret], headers: sign(JSON_BODY, "retired"), body: JSON_BODY }), "bad_signature");
  });

  it("names missing headers", () => {
    expectRejected(verify({ scheme: "github", secrets: [secret], headers: { "X-GitHub-Delivery": delivery }, body: JSON_BODY }), "missing_signature");
    // The old SHA-1 header alone is not enough.
    expectRejected(
      verify({ scheme: "github", secrets: [secret], headers: { "X-Hub-Signature": "sha1=" + "a".repeat(40) }, body: JSON_BODY }),
      "missing_signature",
    );
    expectRejected(
      verify({ scheme: "github", secrets: [secret], headers: { "X-Hub-Signature-256": `sha256=${hex(JSON_BODY)}` }, body: JSON_BODY }),
      "missing_event_id",
    );
    expectRejected(
      verify({ scheme: "github", secrets: [secret], headers: { ...sign(JSON_BODY), "X-GitHub-Delivery": "d".repeat(300) }, body: JSON_BODY }),
      "missing_event_id",
    );
  });

  it("refuses malformed values and hostile sizes", () => {
    const mac = hex(JSON_BODY);
    const run = (value: string) =>
      verify({ scheme: "github", secrets: [secret], headers: { "X-Hub-Signature-256": value, "X-GitHub-Delivery": delivery }, body: JSON_BODY });
    for (const value of [mac, `sha1=${mac}`, `sha256=${mac.slice(1)}`, `sha256=${mac}0`, `sha256=${"g".repeat(64)}`, "sha256="]) {
      expectRejected(run(value), "malformed_signature");
    }
    expectRejected(run(Array(11).fill(`sha256=${mac}`).join(", ")), "malformed_signature");
    expectRejected(run(`sha256=${mac}, ${"x".repeat(5000)}`), "malformed_signature");
  });

  it("verifies binary, non-UTF-8 bodies as bytes", () => {
    expectVerified(verify({ scheme: "github", secrets: [secret], headers: sign(BINARY_BODY), body: BINARY_BODY }), delivery);
    expectRejected(verify({ scheme: "github", secrets: [secret], headers: sign(BINARY_BODY), body: REENCODED_BINARY }), "bad_signature");
  });
});

describe("hmac-sha256", () => {
  const secret = "f".repeat(64);
  const hex = (body: Uint8Array, key = secret) => createHmac("sha256", key).update(body).digest("hex");
  const bodyHashId = (body: Uint8Array) => `sha256:${createHash("sha256").update(body).digest("hex")}`;

  it("known answer: RFC 4231 test case 2, bare and prefixed", () => {
    const body = Buffer.from("what do ya want for nothing?");
    const rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    for (const value of [rfc, `sha256=${rfc}`]) {
      const result = verify({ scheme: "hmac-sha256", secrets: ["Jefe"], headers: { "X-Signature": value, "X-Event-Id": "e-1" }, body });
      expect(result).toEqual({ ok: true, eventId: "e-1" });
    }
  });

  it("reads per-integration header names, case-insensitively", () => {
    const options = { signatureHeader: "X-Acme-Signature", eventIdHeader: "X-Acme-Delivery" };
    const headers = signWebhook("hmac-sha256", secret, JSON_BODY, { id: "d-9", header: options.signatureHeader, eventIdHeader: options.eventIdHeader });
    expect(Object.keys(headers).sort()).toEqual(["X-Acme-Delivery", "X-Acme-Signature"]);
    expectVerified(verify({ scheme: "hmac-sha256", secrets: [secret], headers: new Headers(headers), body: JSON_BODY, options }), "d-9");
    const lower = { "x-acme-signature": hex(JSON_BODY), "x-acme-delivery": "d-9" };
    expectVerified(verify({ scheme: "hmac-sha256", secrets: [secret], headers: lower, body: JSON_BODY, options }), "d-9");
    // The defaults are not consulted once names are configured.
    expectRejected(
      verify({ scheme: "hmac-sha256", secrets: [secret], headers: { "X-Signature": hex(JSON_BODY) }, body: JSON_BODY, options }),
      "missing_signature",
    );
  });

  it("without an event id header, the id is the body's hash so redeliveries dedupe", () => {
    const first = verify({ scheme: "hmac-sha256", secrets: [secret], headers: signWebhook("hmac-sha256", secret, JSON_BODY), body: JSON_BODY });
    expect(first).toEqual({ ok: true, eventId: bodyHashId(JSON_BODY) });
    const again = verify({ scheme: "hmac-sha256", secrets: [secret], headers: { "x-signature": hex(JSON_BODY) }, body: JSON_BODY });
    expect(again).toEqual(first);
    expectRejected(
      verify({ scheme: "hmac-sha256", secrets: [secret], headers: { "X-Signature": hex(JSON_BODY), "X-Event-Id": "\u00e9" }, body: JSON_BODY }),
      "missing_event_id",
    );
  });

  it("refuses a one-byte change and a wrong secret", () => {
    const headers = signWebhook("hmac-sha256", secret, JSON_BODY, { id: "e-1" });
    expectRejected(verify({ scheme: "hmac-sha256", secrets: [secret], headers, body: tamper(JSON_BODY, JSON_BODY.length - 1) }), "bad_signature");
    const message = expectRejected(verify({ scheme: "hmac-sha256", secrets: ["other"], headers, body: JSON_BODY }), "bad_signature");
    expect(message).not.toContain(hex(JSON_BODY, "other"));
    expect(message).not.toContain(secret);
  });

  it("accepts one valid signature among several", () => {
    const headers = { "X-Signature": `sha256=${hex(JSON_BODY, "a")}, ${hex(JSON_BODY, "b")} sha256=${hex(JSON_BODY)}`, "X-Event-Id": "e-1" };
    expectVerified(verify({ scheme: "hmac-sha256", secrets: [secret], headers, body: JSON_BODY }), "e-1");
  });

  it("accepts the previous secret during rotation, not one outside the list", () => {
    const headers = signWebhook("hmac-sha256", secret, JSON_BODY, { id: "e-1" });
    expectVerified(verify({ scheme: "hmac-sha256", secrets: ["new", secret], headers, body: JSON_BODY }), "e-1");
    const retired = signWebhook("hmac-sha256", "retired", JSON_BODY, { id: "e-1" });
    expectRejected(verify({ scheme: "hmac-sha256", secrets: ["new", secret], headers: retired, body: JSON_BODY }), "bad_signature");
  });

  it("names a missing header and refuses malformed values and hostile sizes", () => {
    expectRejected(verify({ scheme: "hmac-sha256", secrets: [secret], headers: { "X-Event-Id": "e-1" }, body: JSON_BODY }), "missing_signature");
    const mac = hex(JSON_BODY);
    const run = (value: string) => verify({ scheme: "hmac-sha256", secrets: [secret], headers: { "X-Signature": value }, body: JSON_BODY });
    for (const value of [`sha1=${mac}`, mac.slice(2), `${mac}00`, "z".repeat(64), Buffer.from(mac, "hex").toString("base64")]) {
      expectRejected(run(value), "malformed_signature");
    }
    expectRejected(run(Array(11).fill(mac).join(" ")), "malformed_signature");
    expectRejected(run(`${mac} ${"x".repeat(5000)}`), "malformed_signature");
  });

  it("verifies binary, non-UTF-8 bodies as bytes", () => {
    const headers = signWebhook("hmac-sha256", secret, BINARY_BODY);
    expect(verify({ scheme: "hmac-sha256", secrets: [secret], headers, body: BINARY_BODY })).toEqual({ ok: true, eventId: bodyHashId(BINARY_BODY) });
    expectRejected(verify({ scheme: "hmac-sha256", secrets: [secret], headers, body: REENCODED_BINARY }), "bad_signature");
  });
});
