export const invitationTtlMs = 7 * 24 * 3600_000;
