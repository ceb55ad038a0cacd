// Tenant settings and custom domains (lib/tenancy), and organizations (lib/organizations).
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  addOrganizationMemberInput,
  createOrganizationInput,
  orgRoleSchema,
  updateOrganizationInput,
  updateOrganizationMemberInput,
} from "@/lib/organizations/schemas";
import { addDomainInput } from "@/lib/tenancy/domain-input";
import { pendingClaimDays } from "@/lib/tenancy/domains";
import { tenantSettingsPatchSchema } from "@/lib/tenancy/settings-input";
import { authenticated, idParam, isoDate, json, jsonBody, noContent, problems } from "../common";

const domainSchema = z
  .object({
    hostname: z.string(),
    verified: z.boolean(),
    primary: z.boolean(),
    createdAt: isoDate,
    verifiedAt: isoDate.nullable(),
    verification: z
      .looseObject({})
      .nullable()
      .meta({ description: "The TXT record to publish before verifying; null for a domain an operator added as verified." }),
    expiresAt: isoDate.nullable().meta({
      description: `A pending claim holds its hostname for ${pendingClaimDays} days; then it expires (null once verified).`,
    }),
    expired: z
      .boolean()
      .meta({ description: "An expired pending claim: verify answers 409 (domain_claim_expired); add the domain again for a new TXT record." }),
  })
  .meta({ id: "Domain" });

const settingsView = z
  .looseObject({ slug: z.string(), displayName: z.string(), domains: z.array(domainSchema) })
  .meta({ id: "TenantSettings", description: "Every editable field (as in the PATCH body), the platform's rate-limit defaults and the custom domains." });

const nameParam = z.object({ name: z.string().meta({ description: "The domain's hostname.", example: "app.example.com" }) });
const orgMemberParams = idParam.extend({ userId: z.string().meta({ description: "The member's user id (a UUID)." }) });

const organization = z
  .object({ id: z.uuid(), name: z.string(), memberCount: z.number().int(), createdAt: isoDate, updatedAt: isoDate })
  .meta({ id: "Organization" });
const organizationMember = z
  .object({ userId: z.uuid(), email: z.email(), name: z.string().nullable(), role: orgRoleSchema, addedAt: isoDate })
  .meta({ id: "OrganizationMember" });
const orgScoped = "An API key scoped to one organization sees only that organization.";

export const settingsPaths: ZodOpenApiPathsObject = {
  "/api/v1/tenant/settings": {
    get: authenticated("settings:read", { tags: ["Settings"], summary: "The tenant's settings", responses: { "200": json(settingsView) } }),
    patch: authenticated("settings:write", {
      tags: ["Settings"],
      summary: "Change settings: only the fields given, each replaced whole",
      requestBody: jsonBody(tenantSettingsPatchSchema),
      responses: { "200": json(settingsView), ...problems(400) },
    }),
  },
  "/api/v1/tenant/domains": {
    get: authenticated("settings:read", {
      tags: ["Settings"],
      summary: "Custom domains",
      responses: { "200": json(z.object({ data: z.array(domainSchema) })) },
    }),
    post: authenticated("settings:write", {
      tags: ["Settings"],
      summary: "Add a custom domain (pending until its TXT record verifies)",
      description: `409 (domain_taken) when another claim holds the hostname. A pending claim older than ${pendingClaimDays} days holds nothing: adding its hostname replaces it, whichever tenant it was.`,
      requestBody: jsonBody(addDomainInput),
      responses: { "201": json(domainSchema, "Created"), ...problems(400, 409) },
    }),
  },
  "/api/v1/tenant/domains/{name}": {
    get: authenticated("settings:read", {
      tags: ["Settings"],
      summary: "One custom domain",
      requestParams: { path: nameParam },
      responses: { "200": json(domainSchema), ...problems(404) },
    }),
    delete: authenticated("settings:write", {
      tags: ["Settings"],
      summary: "Remove a custom domain",
      requestParams: { path: nameParam },
      responses: { "204": noContent, ...problems(404, 409) },
    }),
  },
  "/api/v1/tenant/domains/{name}/verify": {
    post: authenticated("settings:write", {
      tags: ["Settings"],
      summary: "Check the domain's TXT record with DNS",
      description:
        "422 (verification_failed) while the record is not published; 409 (domain_claim_expired) for an expired pending claim: add the domain again.",
      requestParams: { path: nameParam },
      responses: { "200": json(domainSchema), ...problems(404, 409, 422) },
    }),
  },
  "/api/v1/tenant/domains/{name}/primary": {
    post: authenticated("settings:write", {
      tags: ["Settings"],
      summary: "Make a verified domain the primary one",
      requestParams: { path: nameParam },
      responses: { "200": json(domainSchema), ...problems(404, 409) },
    }),
  },
  "/api/v1/organizations": {
    get: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "List organizations",
      description: orgScoped,
      responses: { "200": json(z.object({ data: z.array(organization) })) },
    }),
    post: authenticated("organizations:write", {
      tags: ["Organizations"],
      summary: "Create an organization",
      requestBody: jsonBody(createOrganizationInput),
      responses: { "201": json(organization, "Created"), ...problems(400, 409) },
    }),
  },
  "/api/v1/organizations/{id}": {
    get: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "One organization",
      description: orgScoped,
      requestParams: { path: idParam },
      responses: { "200": json(organization), ...problems(404) },
    }),
    patch: authenticated("organizations:write", {
      tags: ["Organizations"],
      summary: "Rename an organization",
      requestParams: { path: idParam },
      requestBody: jsonBody(updateOrganizationInput),
      responses: { "200": json(organization), ...problems(400, 404, 409) },
    }),
    delete: authenticated("organizations:write", {
      tags: ["Organizations"],
      summary: "Delete an organization",
      requestParams: { path: idParam },
      responses: { "204": noContent, ...problems(404) },
    }),
  },
  "/api/v1/organizations/{id}/members": {
    get: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "An organization's members",
      requestParams: { path: idParam },
      responses: { "200": json(z.object({ data: z.array(organizationMember) })), ...problems(404) },
    }),
    post: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "Add a member to an organization",
      description: "Needs organizations:write, or the org_admin role in this organization.",
      requestParams: { path: idParam },
      requestBody: jsonBody(addOrganizationMemberInput),
      responses: { "201": json(organizationMember, "Created"), ...problems(400, 404, 409) },
    }),
  },
  "/api/v1/organizations/{id}/members/{userId}": {
    patch: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "Change a member's organization role",
      description: "Needs organizations:write, or the org_admin role in this organization.",
      requestParams: { path: orgMemberParams },
      requestBody: jsonBody(updateOrganizationMemberInput),
      responses: { "200": json(organizationMember), ...problems(400, 404, 409) },
    }),
    delete: authenticated("organizations:read", {
      tags: ["Organizations"],
      summary: "Remove a member from an organization",
      description: "Needs organizations:write, or the org_admin role in this organization.",
      requestParams: { path: orgMemberParams },
      responses: { "204": noContent, ...problems(404, 409) },
    }),
  },
};
