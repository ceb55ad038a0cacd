// Roles and named permissions, mapped in this one place. Route handlers and server
// actions name the permission they need; the request wrapper checks it.
import { z } from "zod";

export const roles = ["owner", "admin", "member", "viewer"] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);

export const permissions = [
  "members:read",
  "members:write",
  "members:unlock",
  "api_keys:read",
  "api_keys:write",
  "integrations:read",
  "integrations:write",
  "audit:read",
  "settings:read",
  "settings:write",
  "organizations:read",
  "organizations:write",
] as const;
export type Permission = (typeof permissions)[number];
export const permissionSchema = z.enum(permissions);

const rolePermissions: Record<Role, readonly Permission[]> = {
  owner: permissions,
  admin: [
    "members:read",
    "members:write",
    "api_keys:read",
    "api_keys:write",
    "integrations:read",
    "integrations:write",
    "audit:read",
    "settings:read",
    "organizations:read",
    "organizations:write",
  ],
  // Tenant settings are read by admins and changed by owners only.
  member: ["members:read", "integrations:read", "organizations:read"],
  viewer: ["members:read"],
};

export function permissionsOf(role: Role): readonly Permission[] {
  return rolePermissions[role];
}

export function roleHas(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/** Roles whose holders fall under the tenant's "MFA required for admins" setting. */
export const adminRoles: readonly Role[] = ["owner", "admin"];
