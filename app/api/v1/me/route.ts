import { corsPreflight, withPrincipal } from "@/lib/http/with-tenant";

export const GET = withPrincipal(
  null,
  async ({ principal, tenant }) =>
    Response.json({
      tenant: { slug: tenant.slug, name: tenant.name },
      principal:
        principal.kind === "user"
          ? { type: "user", id: principal.id, email: principal.email, name: principal.name, role: principal.role, mfa_enabled: principal.mfaEnabled }
          : { type: "api_key", id: principal.id, name: principal.name, prefix: principal.prefix, organization_id: principal.organizationId },
      role: principal.kind === "user" ? principal.role : null,
      permissions: principal.permissions,
    }),
  // A key scoped to an organization may ask who it is: the answer names its organization.
  { allowMfaSetup: true, organizationScope: true },
);
export const OPTIONS = corsPreflight;
