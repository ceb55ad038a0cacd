// Lockout arithmetic: 5 failures within 15 minutes lock the account for 15 minutes,
// doubling with each lockout in a row (capped at a day); a successful sign-in resets.
export const lockoutPolicy = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  baseLockMs: 15 * 60_000,
  maxLockMs: 24 * 60 * 60_000,
} as const;

export interface LockoutState {
  failedSignIns: number;
  firstFailedAt: Date | null;
  lockouts: number;
  lockedUntil: Date | null;
}

export function isLocked(state: Pick<LockoutState, "lockedUntil">, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil > now;
}

/** The state after one more failure, and whether it just locked the account. */
export function afterFailure(state: LockoutState, now: Date): LockoutState & { lockedNow: boolean } {
  const inWindow = state.firstFailedAt !== null && now.getTime() - state.firstFailedAt.getTime() < lockoutPolicy.windowMs;
  const failedSignIns = inWindow ? state.failedSignIns + 1 : 1;
  const firstFailedAt = inWindow ? state.firstFailedAt : now;
  if (failedSignIns < lockoutPolicy.maxFailures) {
    return { failedSignIns, firstFailedAt, lockouts: state.lockouts, lockedUntil: state.lockedUntil, lockedNow: false };
  }
  const lockouts = state.lockouts + 1;
  const ms = Math.min(lockoutPolicy.baseLockMs * 2 ** (lockouts - 1), lockoutPolicy.maxLockMs);
  return { failedSignIns: 0, firstFailedAt: null, lockouts, lockedUntil: new Date(now.getTime() + ms), lockedNow: true };
}

export const clearedLockout: LockoutState = { failedSignIns: 0, firstFailedAt: null, lockouts: 0, lockedUntil: null };
