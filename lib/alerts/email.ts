// The email of an alert (./incidents.ts), to the recipients the tenant's settings name
// (`alertRecipients`: members holding the listed roles, plus listed addresses). At most
// `alertEmailsPerHour` incidents of a tenant are emailed per hour; beyond that the notice
// alone tells. Sent through the one mailer (lib/mail/send.ts): bounded, never throws,
// failures counted and reported there once a minute.
import { serverEnv } from "@/lib/env";
import { tenantDb } from "@/lib/db/tenant-client";
import { sendMail } from "@/lib/mail/send";
import { counter } from "@/lib/observability/metrics";
import { findTenantBySlug } from "@/lib/tenancy/find-tenant";
import { getTenantSettings } from "@/lib/tenancy/tenant-settings";
import type { IntegrationAlert } from "./incidents";
import { log } from "@/lib/observability/logger";

export const alertEmailsPerHour = 10;

const emails = counter({
  name: "platform_alert_emails_total",
  help: "Alert emails by outcome: sent, failed (SMTP), rate_limited (the tenant's hourly cap), no_recipients.",
  labels: { kind: ["circuit_open", "dead_letters", "sync_failed"], outcome: ["sent", "failed", "rate_limited", "no_recipients"] },
});

/** The tenant's own address: its subdomain of APP_ROOT_DOMAIN (with the server's port outside production). */
function tenantSite(slug: string): string {
  const env = serverEnv();
  const production = env.NODE_ENV === "production";
  const port = process.env.PORT && !production ? `:${process.env.PORT}` : "";
  return `${production ? "https" : "http"}://${slug}.${env.APP_ROOT_DOMAIN}${port}`;
}

/** Who gets the tenant's alerts: active members with the chosen roles and the listed addresses, once each. */
export async function alertRecipients(slug: string): Promise<string[]> {
  const { roles, addresses } = (await getTenantSettings(slug)).alertRecipients;
  const members = roles.length
    ? await tenantDb(slug).user.findMany({ where: { role: { in: roles }, status: "active" }, select: { email: true }, orderBy: { email: "asc" } })
    : [];
  return [...new Set([...members.map((m) => m.email), ...addresses].map((a) => a.toLowerCase()))];
}

async function emailedThisHour(slug: string): Promise<number> {
  return tenantDb(slug).notice.count({
    where: { kind: { in: ["circuit_open", "dead_letters", "sync_failed"] }, createdAt: { gte: new Date(Date.now() - 60 * 60 * 1000) } },
  });
}

export async function emailAlert(slug: string, alert: IntegrationAlert): Promise<{ sent: number; failed: number; skipped?: "rate_limited" | "no_recipients" }> {
  try {
    // The incident's own notice is counted too: the cap is on incidents per hour.
    if ((await emailedThisHour(slug)) > alertEmailsPerHour) {
      emails.inc({ kind: alert.kind, outcome: "rate_limited" });
      return { sent: 0, failed: 0, skipped: "rate_limited" };
    }
    const [tenant, recipients] = await Promise.all([findTenantBySlug(slug), alertRecipients(slug)]);
    if (recipients.length === 0) {
      emails.inc({ kind: alert.kind, outcome: "no_recipients" });
      return { sent: 0, failed: 0, skipped: "no_recipients" };
    }
    const name = tenant?.name ?? slug;
    const link = `${tenantSite(slug)}/integrations/${alert.integrationId}`;
    const text = `${alert.body}\n\nOpen the integration: ${link}\n\nYou get this email because ${name}'s settings send integration alerts to you. Until the notice is dismissed in the app, the same trouble on this integration sends no further email.\n`;
    let sent = 0;
    let failed = 0;
    for (const to of recipients) {
      const result = await sendMail({ to, subject: `[${name}] ${alert.title}`.slice(0, 300), text, fromName: name.slice(0, 100) });
      if (result.sent) sent++;
      else failed++;
      emails.inc({ kind: alert.kind, outcome: result.sent ? "sent" : "failed" });
    }
    return { sent, failed };
  } catch (err) {
    log().error({ component: "alerts", tenant: slug, kind: alert.kind, reason: err instanceof Error ? err.message : String(err) }, "could not email an alert");
    return { sent: 0, failed: 1 };
  }
}
