// Object-level rules beside the role permissions: who may change whom. A refusal is an
// AppError("forbidden"); the request wrapper that catches it audits it (lib/http/guard.ts).
import type { Role } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors/app-error";

/** Only owners give or take the owner role, or change or remove an owner. */
export function assertMayManage(actor: Principal, target: { role: Role } | null, newRole?: Role): void {
  // API keys never manage owners, whatever their scopes.
  const actorIsOwner = actor.kind === "user" && actor.role === "owner";
  if ((newRole === "owner" || target?.role === "owner") && !actorIsOwner) {
    throw new AppError("forbidden", "Only an owner can give or take the owner role, or change or remove an owner.", [], { reason: "owner_only" });
  }
}

/** A member without members:write may edit only their own name. */
export function assertMayEditProfile(actor: Principal, targetId: string, changes: { role?: unknown }): void {
  if (actor.permissions.includes("members:write")) return;
  if (actor.kind === "user" && actor.id === targetId && changes.role === undefined) return;
  throw new AppError("forbidden", "You can change only your own name; changing roles or other members needs members:write.", [], {
    reason: "permission_denied",
  });
}

export const lastOwnerMessage = "An organisation must keep at least one owner: make someone else an owner first.";
