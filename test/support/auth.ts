// Helpers for authentication tests: tenants with users of each role, and request metadata.
import { withAudit } from "@/lib/audit/with-audit";
import { systemContext } from "@/lib/audit/context";
import { hashPassword } from "@/lib/auth/passwords";
import type { Role } from "@/lib/auth/permissions";
import type { RequestMeta } from "@/lib/http/request-meta";
import { createTenant } from "@/lib/tenancy/create-tenant";

export const testPassword = "Correct-Horse-Battery-42";

export function meta(extra: Partial<RequestMeta> = {}): RequestMeta {
  return { requestId: `req-${crypto.randomUUID()}`, ip: "203.0.113.7", userAgent: "vitest", ...extra };
}

/** A tenant whose owner `owner@<slug>.test` has `testPassword`. */
export async function tenantWithOwner(slug: string): Promise<{ slug: string; ownerEmail: string }> {
  const ownerEmail = `owner@${slug}.test`;
  await createTenant({ slug, name: `Tenant ${slug}`, ownerEmail, ownerPassword: testPassword });
  return { slug, ownerEmail };
}

/** Adds an active user with `testPassword`; returns its id. */
export async function addUser(slug: string, email: string, role: Role): Promise<string> {
  const passwordHash = await hashPassword(testPassword);
  const user = await withAudit(slug, systemContext("test"), (tx) =>
    tx.user.create({ data: { email, role, status: "active", passwordHash }, select: { id: true } }),
  );
  return user.id;
}
