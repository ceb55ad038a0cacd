import type { TenantStatus } from "@/lib/db/generated/platform/enums";

/** What the rest of the app knows about a tenant. */
export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  schemaName: string;
}

export const tenantRecordSelect = { id: true, slug: true, name: true, status: true, schemaName: true } as const;
