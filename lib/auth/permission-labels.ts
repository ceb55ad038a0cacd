// What each permission id means, for people: a short name and one line of description,
// shown wherever the admin pages list permissions (roles, API key scopes). Typed as a
// Record over Permission, so a new permission without a description does not compile.
import type { Permission, Role } from "./permissions";

export interface PermissionLabel {
  name: string;
  description: string;
}

export const permissionLabels: Record<Permission, PermissionLabel> = {
  "members:read": { name: "Read members", description: "See members, their roles and status." },
  "members:write": { name: "Manage members", description: "Invite members, change their roles and remove them." },
  "members:unlock": { name: "Unlock members", description: "Lift a sign-in lockout after too many failed attempts." },
  "api_keys:read": { name: "Read API keys", description: "See API keys, their permissions and when they were last used." },
  "api_keys:write": { name: "Manage API keys", description: "Create and revoke API keys." },
  "integrations:read": { name: "Read integrations", description: "See integrations, their webhook inbox, sync runs and health." },
  "integrations:write": { name: "Manage integrations", description: "Create, edit and delete integrations, rotate secrets and replay events." },
  "audit:read": { name: "Read the audit log", description: "Search, export and verify the audit log." },
  "settings:read": { name: "Read settings", description: "See the tenant's settings and custom domains." },
  "settings:write": { name: "Change settings", description: "Change the tenant's settings and add or remove custom domains." },
  "organizations:read": { name: "Read organizations", description: "See organizations and who belongs to them." },
  "organizations:write": { name: "Manage organizations", description: "Create, rename and delete organizations and change who belongs to them." },
};

export const roleDescriptions: Record<Role, string> = {
  owner: "Everything, including the tenant's settings and unlocking members.",
  admin: "Runs the workspace day to day: members, API keys, integrations, organizations and the audit log.",
  member: "Sees members, integrations and organizations.",
  viewer: "Sees the member list.",
};
