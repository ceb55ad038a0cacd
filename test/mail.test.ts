// lib/mail: messages go over real SMTP to the test stack's catcher (scripts/lib/mail-catcher.ts);
// a failure (bad message, nothing listening, a server that never answers) is returned,
// never thrown, counted, and logged at most once a minute. SMTP_URL / MAIL_FROM are
// validated by lib/env.ts.
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { EnvError, resetEnvCache, serverEnv } from "@/lib/env";
import { mailFailureCount, recordMailFailure } from "@/lib/mail/failures";
import { createLogger, replaceLogger } from "@/lib/observability/logger";
import { sendMail } from "@/lib/mail/send";
import { closeMailTransport } from "@/lib/mail/transport";
import { freePort } from "../scripts/lib/free-port";
import { waitForMail } from "./support/mail";

const saved = { ...process.env };
const address = () => `mail-${randomBytes(5).toString("hex")}@example.test`;

function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
  closeMailTransport();
}

afterEach(() => {
  for (const k of ["SMTP_URL", "MAIL_FROM", "MAIL_TIMEOUT_MS"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetEnvCache();
  closeMailTransport();
  vi.restoreAllMocks();
});
afterAll(() => closeMailTransport());

describe("sendMail", () => {
  it("delivers text and HTML over SMTP, from MAIL_FROM, with the caller's display name", async () => {
    setEnv({ MAIL_FROM: "Platform <robot@example.test>" });
    const to = address();
    const result = await sendMail({ to, subject: "Hello ✓", text: "plain body", html: "<p>html <b>body</b></p>", fromName: 'Acme "Inc"' });
    expect(result).toMatchObject({ sent: true, messageId: expect.any(String) });
    const mail = await waitForMail(to);
    expect(mail.subject).toBe("Hello ✓");
    expect(mail.text.trim()).toBe("plain body");
    expect(mail.html).toContain("<b>body</b>");
    expect(mail.from).toBe("robot@example.test");
    expect(mail.headers.from).toContain("Acme");
    expect(mail.envelope).toEqual({ from: "robot@example.test", to: [to] });
  });

  it("sends from no-reply@APP_ROOT_DOMAIN when MAIL_FROM is unset", async () => {
    setEnv({ MAIL_FROM: undefined });
    const to = address();
    expect((await sendMail({ to, subject: "Default sender", text: "x" })).sent).toBe(true);
    expect((await waitForMail(to)).from).toBe(`no-reply@${serverEnv().APP_ROOT_DOMAIN}`);
  });

  it("refuses a header-injecting subject or a second recipient, without throwing", async () => {
    const before = mailFailureCount();
    const to = address();
    const injected = await sendMail({ to, subject: "Hi\r\nBcc: victim@example.test", text: "x" });
    expect(injected).toMatchObject({ sent: false, error: expect.stringContaining("subject") });
    const two = await sendMail({ to: `${to}, other@example.test`, subject: "Hi", text: "x" });
    expect(two).toMatchObject({ sent: false, error: expect.stringContaining("to") });
    expect(mailFailureCount()).toBe(before + 2);
  });

  it("reports an SMTP server that is not there as a failure", async () => {
    setEnv({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
    const before = mailFailureCount();
    const result = await sendMail({ to: address(), subject: "Lost", text: "x" });
    expect(result).toMatchObject({ sent: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(mailFailureCount()).toBe(before + 1);
  });

  it("gives up on a server that accepts the connection and never answers", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      setEnv({ SMTP_URL: `smtp://127.0.0.1:${(silent.address() as { port: number }).port}`, MAIL_TIMEOUT_MS: "300" });
      const result = await sendMail({ to: address(), subject: "Silent", text: "x" });
      expect(result.sent).toBe(false);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("counts a message as failed when SMTP_URL is unset", async () => {
    setEnv({ SMTP_URL: undefined });
    expect(await sendMail({ to: address(), subject: "Nowhere", text: "x" })).toEqual({ sent: false, error: "SMTP_URL is not set" });
  });
});

describe("failure reports", () => {
  it("logs at most one line a minute, saying how many failed since the last one", () => {
    const lines: { msg: string }[] = [];
    replaceLogger(createLogger({ write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) }, "info"));
    try {
      const t0 = Date.now() + 3_600_000; // later than any real report of this file
      recordMailFailure("first", t0);
      recordMailFailure("second", t0 + 1_000);
      recordMailFailure("third", t0 + 59_000);
      expect(lines).toHaveLength(1);
      expect(lines[0]?.msg).toContain("first");
      recordMailFailure("fourth", t0 + 61_000);
      expect(lines).toHaveLength(2);
      expect(lines[1]?.msg).toMatch(/fourth.*3 messages failed since the last report/);
    } finally {
      replaceLogger(undefined);
    }
  });
});

describe("mail settings", () => {
  it.each([
    ["SMTP_URL", "http://mail.example.test"],
    ["SMTP_URL", "not a url"],
    ["MAIL_FROM", "Platform <robot@example.test>\r\nBcc: x@example.test"],
    ["MAIL_FROM", "a@example.test, b@example.test"],
    ["MAIL_FROM", "no address"],
    ["MAIL_TIMEOUT_MS", "5"],
  ])("refuses %s=%j, naming it", (name, value) => {
    setEnv({ [name]: value });
    expect(() => serverEnv()).toThrow(EnvError);
    expect(() => serverEnv()).toThrow(new RegExp(`${name}:`));
  });

  it.each([
    ["SMTP_URL", "smtps://user:secret@mail.example.test:465"],
    ["MAIL_FROM", "Acme Platform <no-reply@acme.example>"],
    ["MAIL_FROM", "no-reply@localhost"],
  ])("accepts %s=%j", (name, value) => {
    setEnv({ [name]: value });
    expect(serverEnv()[name as "SMTP_URL"]).toBe(value);
  });
});
