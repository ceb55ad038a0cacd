// Permissions as people read them: the human name, the id (what the API and the audit
// log say) and the one-line description, from lib/auth/permission-labels.ts.
import { permissionLabels, roleDescriptions } from "@/lib/auth/permission-labels";
import { permissionsOf, roles, type Permission } from "@/lib/auth/permissions";

const labelOf = (id: string) => (Object.hasOwn(permissionLabels, id) ? permissionLabels[id as Permission] : undefined);

/** A permission's name and id; the description in the title (compact, for tables). */
export function PermissionName({ id }: { id: string }) {
  const label = labelOf(id);
  // A stored scope this release no longer defines is shown as it is.
  if (!label) return <span className="font-mono text-xs">{id}</span>;
  return (
    <span title={label.description} data-testid="permission-name">
      {label.name} <span className="font-mono text-xs text-slate-500">{id}</span>
    </span>
  );
}

/** A permission's name and id with its description below (for forms and role lists). */
export function PermissionDescription({ id }: { id: string }) {
  return (
    <span className="block min-w-0">
      <PermissionName id={id} />
      <span className="block text-xs text-slate-500" data-testid="permission-description">
        {labelOf(id)?.description}
      </span>
    </span>
  );
}

/** Each role, what it is for, and the permissions it holds. */
export function RolePermissions() {
  return (
    <dl className="grid gap-4 sm:grid-cols-2" data-testid="role-permissions">
      {roles.map((role) => (
        <div key={role} data-testid={`role-${role}`}>
          <dt className="font-medium capitalize">{role}</dt>
          <dd className="text-sm text-slate-600">{roleDescriptions[role]}</dd>
          <dd>
            <ul className="mt-2 space-y-1 text-sm">
              {permissionsOf(role).map((p) => (
                <li key={p}>
                  <PermissionDescription id={p} />
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ))}
    </dl>
  );
}
