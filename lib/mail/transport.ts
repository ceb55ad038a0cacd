// One nodemailer transport per SMTP_URL (pooled: messages reuse connections), with
// bounded connection, greeting and socket timeouts so a silent server cannot hold a
// message (or the request awaiting it) for long.
import nodemailer, { type Transporter } from "nodemailer";
import { serverEnv } from "@/lib/env";

let cached: { url: string; transport: Transporter } | undefined;

export function mailTransport(): Transporter | undefined {
  const { SMTP_URL: url, MAIL_TIMEOUT_MS: timeout } = serverEnv();
  if (!url) return undefined;
  if (cached?.url === url) return cached.transport;
  cached?.transport.close();
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 3,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  cached = { url, transport };
  return transport;
}

/** Closes the pooled connections (tests, shutdown). */
export function closeMailTransport(): void {
  cached?.transport.close();
  cached = undefined;
}
