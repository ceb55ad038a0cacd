// Keys of the tenant/domain mirror in Redis, read by the Edge middleware. PostgreSQL is
// the source of truth; `npm run domains:rebuild` (or server start) rebuilds the mirror.
// REDIS_KEY_PREFIX keeps deployments (and concurrent test runs) sharing one Redis apart.
import { edgeEnv } from "@/lib/env";

const prefix = () => edgeEnv().REDIS_KEY_PREFIX;

export const mirrorKeys = {
  /** Set once a full rebuild finished; without it the Edge trusts no "missing" answer. */
  get ready() {
    return `${prefix()}tenancy:mirror:ready`;
  },
  tenant: (slug: string) => `${prefix()}tenancy:tenant:${slug}`,
  domain: (hostname: string) => `${prefix()}tenancy:domain:${hostname}`,
  get tenantPattern() {
    return `${prefix()}tenancy:tenant:*`;
  },
  get domainPattern() {
    return `${prefix()}tenancy:domain:*`;
  },
};
