// The texts of the account emails. Plain text first (every client shows it); the HTML
// part is the same words with the link as a button. Values are escaped for HTML.
import type { MailMessage } from "@/lib/mail/send";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function message(to: string, tenantName: string, subject: string, paragraphs: string[], link?: { url: string; label: string }): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), `— ${tenantName}`].join("\n\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#0f172a">${paragraphs
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join("")}${
    link
      ? `<p><a href="${escapeHtml(link.url)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:8px 16px;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p><p style="font-size:12px;color:#475569">${escapeHtml(link.url)}</p>`
      : ""
  }<p style="color:#475569">— ${escapeHtml(tenantName)}</p></body></html>`;
  return { to, subject, text, html, fromName: tenantName };
}

export function passwordResetEmail(to: string, tenantName: string, url: string): MailMessage {
  return message(
    to,
    tenantName,
    `Reset your ${tenantName} password`,
    [
      `Someone (hopefully you) asked to reset the password of ${to} at ${tenantName}.`,
      "The link below works once, for one hour. Setting a new password signs you out everywhere.",
      "If you did not ask for this, ignore this email: your password stays as it is.",
    ],
    { url, label: "Choose a new password" },
  );
}

export function invitationEmail(to: string, tenantName: string, url: string, invitedBy: string | null, expiresAt: Date): MailMessage {
  return message(
    to,
    tenantName,
    `You are invited to ${tenantName}`,
    [
      `${invitedBy ?? "An administrator"} invited you (${to}) to ${tenantName}.`,
      `Choose a password to activate your account. The link works once, until ${expiresAt.toISOString().replace("T", " ").slice(0, 16)} UTC.`,
    ],
    { url, label: "Accept the invitation" },
  );
}

export function emailChangeConfirmEmail(to: string, tenantName: string, url: string, oldEmail: string): MailMessage {
  return message(
    to,
    tenantName,
    `Confirm your new ${tenantName} email address`,
    [
      `The account ${oldEmail} at ${tenantName} asked to use this address (${to}) from now on.`,
      "Open the link below within 24 hours to confirm. Until then, the old address stays in use.",
      "If you did not ask for this, ignore this email.",
    ],
    { url, label: "Confirm this address" },
  );
}

export function emailChangeNoticeEmail(to: string, tenantName: string, newEmail: string): MailMessage {
  return message(to, tenantName, `Your ${tenantName} email address is being changed`, [
    `Someone signed in as ${to} at ${tenantName} asked to change the account's address to ${newEmail}.`,
    "Nothing changes until the new address is confirmed. If this was not you, change your password now and tell an administrator.",
  ]);
}
