// Headers the middleware (or, for the peer address, the launcher) sets for the app after
// stripping any incoming copies, so the app can trust them. Nothing else may set them.
export const internalHeaders = {
  /** Slug of the tenant the middleware resolved. */
  tenant: "x-platform-tenant",
  /** Custom hostname the Edge could not resolve (no Redis): the Node side looks it up. */
  tenantHost: "x-platform-tenant-host",
  requestId: "x-request-id",
  /** The page's path and query as requested, so sign-in can come back to it (lib/http/return-path.ts). */
  path: "x-platform-path",
  /**
   * The socket's peer address, set by our launcher (scripts/start.mjs) before Next runs,
   * overwriting any incoming copy. The middleware passes it on untouched (it runs after
   * the launcher); request-meta trusts it only when the launcher said so (env).
   */
  peer: "x-platform-peer",
} as const;

export const tenantIdHeader = "x-tenant-id";
