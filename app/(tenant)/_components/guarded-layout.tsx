// The layout of a tenant section that has a loading.tsx. A loading.tsx makes Next stream
// the page, and a streamed response has already answered 200 when the page runs; a layout
// above it renders before the response starts. So the checks that decide the status
// (unknown or archived tenant 404, sign-in redirect, the permission's audited 403) run
// here first. The page repeats the same call for its data, which React's per-request
// cache answers without a second check or a second audit row (lib/http/page-principal.ts).
import type { ReactNode } from "react";
import type { Permission } from "@/lib/auth/permissions";
import { requirePagePrincipal } from "@/lib/http/page-principal";

export function guardedLayout(permission: Permission | null, options: { allowMfaSetup?: boolean } = {}) {
  return async function GuardedLayout({ children }: { children: ReactNode }) {
    await requirePagePrincipal(permission, options);
    return children;
  };
}
