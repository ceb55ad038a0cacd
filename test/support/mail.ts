// Reading what the platform sent: the test stack's SMTP catcher (scripts/lib/mail-catcher.ts)
// serves caught messages over HTTP at MAIL_CATCHER_URL. Used by the Vitest suites and the
// Playwright specs alike. Give each test its own recipient addresses: the catcher is
// shared by the whole run.
import type { CaughtMail } from "../../scripts/lib/mail-catcher";

export type { CaughtMail };

function catcherUrl(): string {
  const url = process.env.MAIL_CATCHER_URL;
  if (!url) throw new Error("MAIL_CATCHER_URL is not set: run the tests through `npm test`, which starts the SMTP catcher");
  return url;
}

/** Every message caught for `to` (envelope recipient, case-insensitive), newest first. */
export async function mailTo(to: string): Promise<CaughtMail[]> {
  const res = await fetch(`${catcherUrl()}/api/messages?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`mail catcher answered ${res.status}`);
  return (await res.json()) as CaughtMail[];
}

/**
 * Waits until `count` messages for `to` whose subject matches `subject` have arrived and
 * returns the newest. Fails after `timeoutMs` naming what did arrive.
 */
export async function waitForMail(to: string, options: { subject?: RegExp; count?: number; timeoutMs?: number } = {}): Promise<CaughtMail> {
  const { subject, count = 1, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await mailTo(to);
    const matching = subject ? all.filter((m) => subject.test(m.subject)) : all;
    if (matching.length >= count) return matching[0]!;
    if (Date.now() > deadline)
      throw new Error(
        `no${count > 1 ? ` ${count}` : ""} mail to ${to}${subject ? ` matching ${subject}` : ""} within ${timeoutMs} ms; caught for it: ${JSON.stringify(all.map((m) => m.subject))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first link in the message's text that matches `pattern` (e.g. /\/reset-password\?token=/). */
export function linkIn(message: CaughtMail, pattern: RegExp): string {
  const link = (message.text.match(/https?:\/\/[^\s<>"]+/g) ?? []).find((l) => pattern.test(l));
  if (!link) throw new Error(`no link matching ${pattern} in "${message.subject}":\n${message.text}`);
  return link;
}
