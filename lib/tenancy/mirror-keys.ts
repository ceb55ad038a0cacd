// Keys of the tenant/domain mirror in Redis, read by the Edge middleware. PostgreSQL is
// the source of truth; `npm run domains:rebuild` (or server start) rebuilds the mirror.
export const mirrorKeys = {
  /** Set once a full rebuild finished; without it the Edge trusts no "missing" answer. */
  ready: "tenancy:mirror:ready",
  tenant: (slug: string) => `tenancy:tenant:${slug}`,
  domain: (hostname: string) => `tenancy:domain:${hostname}`,
  tenantPattern: "tenancy:tenant:*",
  domainPattern: "tenancy:domain:*",
} as const;
