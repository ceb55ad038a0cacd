// Shared label bounds. A tenant label is used only where the number of tenants is the
// bound (per-tenant inbox gauges, circuit gauges); past TENANT_LABEL_LIMIT distinct
// tenants in one process, further ones are recorded as "other" (README: Observability).
import { open } from "./metrics";

export const TENANT_LABEL_LIMIT = 10_000;
export const tenantLabel = open(TENANT_LABEL_LIMIT);
/** Integrations with circuit state in Redis at one time (failing within a day, or open). */
export const CIRCUIT_LABEL_LIMIT = 2_000;
/** Inngest function ids of this app (about five). */
export const functionLabel = open(30);
