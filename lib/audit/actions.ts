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
  webhookRejected: "integration.webhook_rejected",
  webhookReplayed: "integration.webhook_replayed",
  outboundCall: "integration.outbound_call",
  circuitOpened: "integration.circuit_opened",
  circuitClosed: "integration.circuit_closed",
  syncFinished: "integration.sync_finished",
  alertRaised: "integration.alert_raised",
  secretRotated: "integration.secret_rotated",
  secretsReencrypted: "secrets.reencrypted",
  exported: "audit.exported",
  retentionPurged: "audit.retention_purged",
  tenantMoved: "tenant.moved",
  tenantMoveFailed: "tenant.move_failed",
  passwordResetRequested: "auth.password_reset_requested",
  passwordReset: "auth.password_reset",
  emailChangeRequested: "auth.email_change_requested",
  emailChanged: "auth.email_changed",
  invitationSent: "member.invitation_sent",
  invitationRevoked: "member.invitation_revoked",
} as const;

/**
 * The changes a compliance report lists one by one. `actions` are exact action names,
 * or prefixes when they end in '.'. `fieldUpdates` are row-change updates that count
 * only when they touch one of the fields: a member's role lives on the users row, so a
 * role change is a `user.updated` row whose `changes` has `role`, and adding or
 * removing a member (granting or taking away a role) is `user.created` / `user.deleted`.
 */
export interface SensitiveChangeRule {
  actions: readonly string[];
  fieldUpdates: readonly { action: string; fields: readonly string[] }[];
}

export const sensitiveChanges = {
  roles: {
    actions: ["user.created", "user.deleted", "membership.", "role."],
    fieldUpdates: [{ action: "user.updated", fields: ["role"] }],
  },
  apiKeys: {
    actions: ["api_key.created", "api_key.updated", "api_key.deleted", "api_key.revoked"],
    fieldUpdates: [],
  },
  integrations: {
    actions: ["integration.created", "integration.updated", "integration.deleted", "integration.secret_rotated"],
    fieldUpdates: [],
  },
} as const satisfies Record<string, SensitiveChangeRule>;

export type SensitiveChangeKind = keyof typeof sensitiveChanges;
