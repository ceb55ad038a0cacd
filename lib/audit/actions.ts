// The catalogue of explicit audit actions, so every caller and the compliance report
// use the same names. Row changes are `<entity>.created|updated|deleted` (triggers).
export const auditActions = {
  signInSucceeded: "auth.sign_in_succeeded",
  signInFailed: "auth.sign_in_failed",
  lockedOut: "auth.locked_out",
  unlocked: "auth.unlocked",
  mfaEnrolled: "auth.mfa_enrolled",
  mfaUsed: "auth.mfa_used",
  recoveryCodeUsed: "auth.recovery_code_used",
  tokenIssued: "auth.token_issued",
  tokenRefreshed: "auth.token_refreshed",
  tokenReuseDetected: "auth.token_reuse_detected",
  tokenRevoked: "auth.token_revoked",
  apiKeyUsed: "api_key.used",
  permissionDenied: "auth.permission_denied",
  webhookReceived: "integration.webhook_received",
  outboundCall: "integration.outbound_call",
  exported: "audit.exported",
  retentionPurged: "audit.retention_purged",
} as const;

/** Action prefixes whose changes a compliance report lists one by one. */
export const sensitiveChangePrefixes = {
  roles: ["membership.", "role."],
  apiKeys: ["api_key.created", "api_key.updated", "api_key.deleted", "api_key.revoked"],
  integrations: ["integration.created", "integration.updated", "integration.deleted", "integration.secret_rotated"],
} as const;
