// Account lifecycle by email (issue 12), against real PostgreSQL, Redis and the test
// stack's SMTP catcher: password reset, email change, invitations sent, resent and
// revoked; links single-use, stored hashed, and useless on another tenant.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmEmailChange, pendingEmailChange, requestEmailChange } from "@/lib/accounts/email-change";
import { passwordResetEmailFor, resetPassword, sendPasswordResetLink } from "@/lib/accounts/password-reset";
import { withAudit } from "@/lib/audit/with-audit";
import { systemContext } from "@/lib/audit/context";
import { checkPassword } from "@/lib/auth/authenticate";
import type { Principal } from "@/lib/auth/principal";
import { rotateRefreshToken } from "@/lib/auth/refresh-tokens";
import { principalFromBearer } from "@/lib/auth/resolve-principal";
import { issueTokensForPassword } from "@/lib/auth/sign-in-flow";
import { sha256Hex } from "@/lib/crypto/compare";
import { closePool } from "@/lib/db/pool";
import { tenantDb } from "@/lib/db/tenant-client";
import { AppError } from "@/lib/errors/app-error";
import { closeMailTransport } from "@/lib/mail/transport";
import { deliverInvitation, resendInvitation, revokeInvitation } from "@/lib/members/invitations";
import { acceptInvitation, createMember, invitationEmail } from "@/lib/members/members";
import { accountEmailLimits } from "@/lib/ratelimit/account-email-limit";
import { defaultTenantSettings } from "@/lib/tenancy/settings";
import { addUser, meta, tenantWithOwner, testPassword } from "./support/auth";
import { linkIn, mailTo, waitForMail } from "./support/mail";
import { dropTenantsQuietly, uniqueSlug } from "./support/tenants";

const a = { slug: uniqueSlug("acct"), name: "Tenant A" };
const b = { slug: uniqueSlug("acct"), name: "Tenant B" };
const origin = (t: { slug: string }) => `http://${t.slug}.localhost:3000`;
const settings = defaultTenantSettings();
const userCtx = (email: string) => ({ actorType: "user" as const, actorLabel: email });
const newPassword = "Lantern-Orchid-Falcon-93";

async function principalFor(slug: string, email: string, password = testPassword): Promise<Principal> {
  const { pair } = await issueTokensForPassword(slug, settings, { email, password }, meta());
  return (await principalFromBearer(slug, `Bearer ${pair.access_token}`, meta(), settings))!;
}

async function expectAppError(promise: Promise<unknown>, code: AppError["code"], path?: string): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  if (path) expect((err as AppError).fieldErrors.map((f) => f.path)).toContain(path);
  return err as AppError;
}

/** A fresh address on tenant A or B (the catcher is shared by the whole run). */
const fresh = (t: { slug: string }, who = "user") => `${who}-${randomBytes(4).toString("hex")}@${t.slug}.test`;

beforeAll(async () => {
  await tenantWithOwner(a.slug);
  await tenantWithOwner(b.slug);
});

afterAll(async () => {
  closeMailTransport();
  await dropTenantsQuietly([a.slug, b.slug]);
  await closePool();
});

describe("password reset", () => {
  it("mails a single-use link stored only as a hash; using it sets the password and signs out every session", async () => {
    const email = fresh(a);
    const userId = await addUser(a.slug, email, "member");
    const api = await issueTokensForPassword(a.slug, settings, { email, password: testPassword }, meta());
    const other = await issueTokensForPassword(a.slug, settings, { email, password: testPassword }, meta());

    expect(await sendPasswordResetLink(a, email, origin(a), meta())).toEqual({ sent: true });
    const mail = await waitForMail(email, { subject: /Reset your Tenant A password/ });
    const link = linkIn(mail, /\/reset-password\//);
    expect(link.startsWith(`${origin(a)}/reset-password/`)).toBe(true);
    const token = link.split("/reset-password/")[1]!;
    expect(mail.html).toContain(link);

    const rows = await tenantDb(a.slug).accountToken.findMany({ where: { userId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    // Valid for one hour.
    const lifetime = rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime();
    expect(lifetime).toBe(3600_000);
    expect(await passwordResetEmailFor(a.slug, token)).toBe(email);

    const done = await resetPassword(a.slug, { token, password: newPassword }, meta());
    expect(done).toEqual({ email, sessionsRevoked: 2 });
    expect((await checkPassword(a.slug, email, newPassword, meta())).status).toBe("ok");
    expect((await checkPassword(a.slug, email, testPassword, meta())).status).toBe("invalid");
    // Every session is gone: access tokens and refresh tokens alike.
    await expectAppError(principalFromBearer(a.slug, `Bearer ${api.pair.access_token}`, meta(), settings), "unauthorized");
    await expectAppError(principalFromBearer(a.slug, `Bearer ${other.pair.access_token}`, meta(), settings), "unauthorized");
    await expectAppError(rotateRefreshToken(a.slug, api.pair.refresh_token, meta()), "unauthorized");

    // Single use.
    await expectAppError(resetPassword(a.slug, { token, password: "Another-Quiet-River-51" }, meta()), "bad_request", "token");
    expect((await checkPassword(a.slug, email, newPassword, meta())).status).toBe("ok");
    const audit = await tenantDb(a.slug).auditLog.findMany({ where: { targetId: userId, action: { startsWith: "auth.password_reset" } } });
    expect(audit.map((r) => r.action).sort()).toEqual(["auth.password_reset", "auth.password_reset_requested"]);
  });

  it("sends nothing for an address with no account, or an invited one, and says the same", async () => {
    const unknown = fresh(a, "nobody");
    expect(await sendPasswordResetLink(a, unknown, origin(a), meta())).toEqual({ sent: false });
    const invited = fresh(a, "invited");
    await createMember(a.slug, await principalFor(a.slug, `owner@${a.slug}.test`), { email: invited, role: "member" }, userCtx("owner"));
    expect(await sendPasswordResetLink(a, invited, origin(a), meta())).toEqual({ sent: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailTo(unknown)).toEqual([]);
    expect((await mailTo(invited)).filter((m) => /Reset/.test(m.subject))).toEqual([]);
  });

  it("refuses an expired link, a weak password and a malformed token without changing anything", async () => {
    const email = fresh(a);
    const userId = await addUser(a.slug, email, "member");
    await sendPasswordResetLink(a, email, origin(a), meta());
    const token = linkIn(await waitForMail(email), /reset-password/).split("/reset-password/")[1]!;
    await expectAppError(resetPassword(a.slug, { token, password: "short" }, meta()), "bad_request", "password");
    await expectAppError(resetPassword(a.slug, { token, password: email }, meta()), "bad_request", "password");
    await withAudit(a.slug, systemContext("test"), (tx) => tx.accountToken.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() - 1000) } }));
    await expectAppError(resetPassword(a.slug, { token, password: newPassword }, meta()), "bad_request", "token");
    expect((await checkPassword(a.slug, email, testPassword, meta())).status).toBe("ok");
  });

  it("a newer link replaces the older one", async () => {
    const email = fresh(a);
    await addUser(a.slug, email, "member");
    await sendPasswordResetLink(a, email, origin(a), meta());
    const first = linkIn(await waitForMail(email), /reset-password/).split("/reset-password/")[1]!;
    await sendPasswordResetLink(a, email, origin(a), meta());
    const second = linkIn(await waitForMail(email, { count: 2 }), /reset-password/).split("/reset-password/")[1]!;
    expect(second).not.toBe(first);
    expect(await passwordResetEmailFor(a.slug, first)).toBeNull();
    expect(await passwordResetEmailFor(a.slug, second)).toBe(email);
  });

  it(`mails one address at most ${accountEmailLimits.perAddressPerHour} times an hour`, async () => {
    const email = fresh(a);
    await addUser(a.slug, email, "member");
    const results = [];
    for (let i = 0; i <= accountEmailLimits.perAddressPerHour; i++) results.push((await sendPasswordResetLink(a, email, origin(a), meta())).sent);
    expect(results).toEqual([...Array<boolean>(accountEmailLimits.perAddressPerHour).fill(true), false]);
    await waitForMail(email, { count: accountEmailLimits.perAddressPerHour });
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailTo(email)).toHaveLength(accountEmailLimits.perAddressPerHour);
  });

  it("a link of tenant A is useless on tenant B, even for the same address", async () => {
    const email = `twin-${randomBytes(4).toString("hex")}@example.test`;
    await addUser(a.slug, email, "member");
    await addUser(b.slug, email, "member");
    await sendPasswordResetLink(a, email, origin(a), meta());
    const token = linkIn(await waitForMail(email), /reset-password/).split("/reset-password/")[1]!;
    expect(await passwordResetEmailFor(b.slug, token)).toBeNull();
    await expectAppError(resetPassword(b.slug, { token, password: newPassword }, meta()), "bad_request", "token");
    expect((await checkPassword(b.slug, email, testPassword, meta())).status).toBe("ok");
    // Still good where it belongs.
    await resetPassword(a.slug, { token, password: newPassword }, meta());
    expect((await checkPassword(a.slug, email, newPassword, meta())).status).toBe("ok");
    expect((await checkPassword(b.slug, email, testPassword, meta())).status).toBe("ok");
  });
});

describe("email change", () => {
  it("asks for the password, confirms at the new address, tells the old one, and changes only then", async () => {
    const email = fresh(a);
    const userId = await addUser(a.slug, email, "member");
    const target = fresh(a, "new");
    const ctx = userCtx(email);
    await expectAppError(requestEmailChange(a, userId, { newEmail: target, password: "not-the-password" }, origin(a), ctx), "bad_request", "password");
    await expectAppError(requestEmailChange(a, userId, { newEmail: `owner@${a.slug}.test`, password: testPassword }, origin(a), ctx), "conflict", "newEmail");
    await expectAppError(requestEmailChange(a, userId, { newEmail: email, password: testPassword }, origin(a), ctx), "bad_request", "newEmail");

    expect(await requestEmailChange(a, userId, { newEmail: target, password: testPassword }, origin(a), ctx)).toEqual({ sent: true });
    const confirm = await waitForMail(target, { subject: /Confirm your new Tenant A email address/ });
    const notice = await waitForMail(email, { subject: /is being changed/ });
    expect(notice.text).toContain(target);
    const token = linkIn(confirm, /\/confirm-email\//).split("/confirm-email/")[1]!;
    // Nothing changed yet.
    expect((await tenantDb(a.slug).user.findUnique({ where: { id: userId } }))!.email).toBe(email);
    expect(await pendingEmailChange(a.slug, token)).toEqual({ from: email, to: target });
    // Tenant B knows nothing of it.
    expect(await pendingEmailChange(b.slug, token)).toBeNull();
    await expectAppError(confirmEmailChange(b.slug, token, meta()), "bad_request", "token");

    expect(await confirmEmailChange(a.slug, token, meta())).toEqual({ email: target });
    expect((await tenantDb(a.slug).user.findUnique({ where: { id: userId } }))!.email).toBe(target);
    expect((await checkPassword(a.slug, target, testPassword, meta())).status).toBe("ok");
    expect((await checkPassword(a.slug, email, testPassword, meta())).status).toBe("invalid");
    await expectAppError(confirmEmailChange(a.slug, token, meta()), "bad_request", "token");
  });

  it("refuses the confirmation when the address was taken in the meantime", async () => {
    const email = fresh(a);
    const userId = await addUser(a.slug, email, "member");
    const target = fresh(a, "contested");
    await requestEmailChange(a, userId, { newEmail: target, password: testPassword }, origin(a), userCtx(email));
    const token = linkIn(await waitForMail(target), /confirm-email/).split("/confirm-email/")[1]!;
    await addUser(a.slug, target, "viewer");
    await expectAppError(confirmEmailChange(a.slug, token, meta()), "conflict");
    expect((await tenantDb(a.slug).user.findUnique({ where: { id: userId } }))!.email).toBe(email);
  });
});

describe("invitations by email", () => {
  it("sends the link, sends a new one on resend (the old one stops working), and revokes", async () => {
    const owner = await principalFor(a.slug, `owner@${a.slug}.test`);
    const email = fresh(a, "invitee");
    const created = await createMember(a.slug, owner, { email, role: "member" }, userCtx("owner"));
    const delivery = await deliverInvitation(
      a,
      { email, token: created.invitationToken!, expiresAt: created.invitationExpiresAt!, invitedBy: owner.kind === "user" ? owner.email : null },
      origin(a),
    );
    expect(delivery.sent).toBe(true);
    const first = await waitForMail(email, { subject: /You are invited to Tenant A/ });
    expect(first.text).toContain(`owner@${a.slug}.test invited you`);
    expect(linkIn(first, /\/invite\//)).toBe(delivery.url);

    const again = await resendInvitation(a, owner, created.member.id, origin(a), userCtx("owner"));
    expect(again.sent).toBe(true);
    const second = await waitForMail(email, { count: 2 });
    const newToken = linkIn(second, /\/invite\//).split("/invite/")[1]!;
    expect(newToken).not.toBe(created.invitationToken);
    expect(await invitationEmail(a.slug, created.invitationToken!)).toBeNull();
    expect(await invitationEmail(a.slug, newToken)).toBe(email);
    // Stored hashed only.
    const stored = await tenantDb(a.slug).invitation.findMany({ where: { userId: created.member.id } });
    expect(stored.map((i) => i.tokenHash)).toEqual([sha256Hex(newToken)]);

    await revokeInvitation(a.slug, owner, created.member.id, userCtx("owner"));
    expect(await tenantDb(a.slug).user.findUnique({ where: { id: created.member.id } })).toBeNull();
    expect(await invitationEmail(a.slug, newToken)).toBeNull();
    await expectAppError(resendInvitation(a, owner, created.member.id, origin(a), userCtx("owner")), "not_found");
  });

  it("refuses to resend or revoke for an active member, another tenant's member or a foreign id", async () => {
    const owner = await principalFor(a.slug, `owner@${a.slug}.test`);
    const activeId = await addUser(a.slug, fresh(a), "member");
    await expectAppError(resendInvitation(a, owner, activeId, origin(a), userCtx("owner")), "conflict");
    await expectAppError(revokeInvitation(a.slug, owner, activeId, userCtx("owner")), "conflict");
    expect(await tenantDb(a.slug).user.findUnique({ where: { id: activeId } })).not.toBeNull();

    const ownerB = await principalFor(b.slug, `owner@${b.slug}.test`);
    const invitedB = await createMember(b.slug, ownerB, { email: fresh(b, "invitee"), role: "member" }, userCtx("owner"));
    await expectAppError(resendInvitation(a, owner, invitedB.member.id, origin(a), userCtx("owner")), "not_found");
    await expectAppError(revokeInvitation(a.slug, owner, invitedB.member.id, userCtx("owner")), "not_found");
    expect(await invitationEmail(b.slug, invitedB.invitationToken!)).not.toBeNull();
    // Tenant A cannot accept B's invitation either.
    await expectAppError(acceptInvitation(a.slug, invitedB.invitationToken!, { password: newPassword }, userCtx("x")), "not_found");
    await expectAppError(resendInvitation(a, owner, "not-a-uuid", origin(a), userCtx("owner")), "not_found");
  });

  it("only an owner resends or revokes an owner's invitation", async () => {
    const owner = await principalFor(a.slug, `owner@${a.slug}.test`);
    const adminEmail = fresh(a, "admin");
    await addUser(a.slug, adminEmail, "admin");
    const admin = await principalFor(a.slug, adminEmail);
    const invitedOwner = await createMember(a.slug, owner, { email: fresh(a, "co-owner"), role: "owner" }, userCtx("owner"));
    await expectAppError(resendInvitation(a, admin, invitedOwner.member.id, origin(a), userCtx(adminEmail)), "forbidden");
    await expectAppError(revokeInvitation(a.slug, admin, invitedOwner.member.id, userCtx(adminEmail)), "forbidden");
    expect(await invitationEmail(a.slug, invitedOwner.invitationToken!)).not.toBeNull();
  });
});
