// Headers the middleware sets for the app after stripping any incoming copies, so the
// app can trust them. Nothing else may set them.
export const internalHeaders = {
  /** Slug of the tenant the middleware resolved. */
  tenant: "x-platform-tenant",
  /** Custom hostname the Edge could not resolve (no Redis): the Node side looks it up. */
  tenantHost: "x-platform-tenant-host",
  requestId: "x-request-id",
} as const;

export const tenantIdHeader = "x-tenant-id";
