// A local SMTP server that keeps what it is sent, for `npm run dev` and `npm test`: no
// mail leaves the machine. Messages are held in memory (the newest 1,000) and served
// over HTTP on loopback:
//   GET    /                      a page listing them (dev: the link `npm run dev` prints)
//   GET    /messages/<id>         one message: headers, text, and the HTML in a sandboxed frame
//   GET    /api/messages?to=<a>   JSON, newest first, optionally only those to one address
//   DELETE /api/messages          forget them all
// Tests read it through test/support/mail.ts.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtMail {
  id: string;
  receivedAt: string;
  /** Envelope sender and recipients (what the SMTP client said, not the headers). */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface MailCatcher {
  smtpUrl: string;
  httpUrl: string;
  messages(): CaughtMail[];
  close(): Promise<void>;
}

const KEEP = 1_000;
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? "")).filter(Boolean);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}iframe{width:100%;height:30rem;border:1px solid #ddd}</style>
</head><body>${body}</body></html>`;
}

export async function startMailCatcher(options: { smtpPort?: number; httpPort?: number; host?: string } = {}): Promise<MailCatcher> {
  const host = options.host ?? "127.0.0.1";
  const caught: CaughtMail[] = [];

  const smtp = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS (its self-signed certificate would fail the client), any or no login.
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: "catcher" }),
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          caught.unshift({
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: addresses(parsed.from)[0] ?? "",
            to: addresses(parsed.to),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: Object.fromEntries([...parsed.headerLines].map((h) => [h.key, h.line.slice(h.key.length + 1).trim()])),
          });
          caught.length = Math.min(caught.length, KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  smtp.on("error", (err) => console.error("[mail catcher] SMTP:", err.message));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://catcher");
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
      res.end(body);
    };
    if (url.pathname === "/api/messages" && req.method === "GET") {
      const to = url.searchParams.get("to")?.toLowerCase();
      const list = to ? caught.filter((m) => m.envelope.to.some((a) => a.toLowerCase() === to)) : caught;
      return send(200, "application/json", JSON.stringify(list));
    }
    if (url.pathname === "/api/messages" && req.method === "DELETE") {
      caught.length = 0;
      return send(204, "text/plain", "");
    }
    if (url.pathname === "/" && req.method === "GET") {
      const rows = caught
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.receivedAt)}</td><td>${escapeHtml(m.envelope.to.join(", "))}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject || "(no subject)")}</a></td></tr>`,
        )
        .join("");
      return send(
        200,
        "text/html; charset=utf-8",
        page(
          "Caught mail",
          `<h1>Caught mail</h1><p>${caught.length} message(s); nothing here left this machine.</p><table><tr><th>Received</th><th>To</th><th>Subject</th></tr>${rows}</table>`,
        ),
      );
    }
    const one = /^\/messages\/([0-9a-f-]{36})$/.exec(url.pathname);
    const message = one && caught.find((m) => m.id === one[1]);
    if (message && req.method === "GET") {
      const headers = Object.entries(message.headers)
        .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`)
        .join("\n");
      return send(
        200,
        "text/html; charset=utf-8",
        page(
          message.subject,
          `<p><a href="/">All messages</a></p><h1>${escapeHtml(message.subject)}</h1><pre>${headers}</pre><h2>Text</h2><pre>${escapeHtml(message.text)}</pre>${
            message.html ? `<h2>HTML</h2><iframe sandbox srcdoc="${escapeHtml(message.html)}"></iframe>` : ""
          }`,
        ),
      );
    }
    send(404, "text/plain", "not found");
  });
  await new Promise<void>((resolve, reject) => {
    web.once("error", reject);
    web.listen(options.httpPort ?? 0, host, () => resolve());
  });
  const httpPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    messages: () => [...caught],
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      web.closeAllConnections();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
