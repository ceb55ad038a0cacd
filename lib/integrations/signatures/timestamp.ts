// Signed timestamps bound replay: a captured delivery is only good within the tolerance.
import { reject, type WebhookRejected } from "./result";

/** Unix seconds from a decimal string; undefined if it is anything else. */
export function parseUnixSeconds(value: string): number | undefined {
  return /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}

/** A rejection when `seconds` is further than the tolerance from `now`, either way. */
export function staleness(seconds: number, now: Date, toleranceSeconds: number, label: string): WebhookRejected | undefined {
  const skew = Math.floor(now.getTime() / 1000) - seconds;
  if (Math.abs(skew) <= toleranceSeconds) return undefined;
  const when = skew > 0 ? `${skew} s in the past` : `${-skew} s in the future`;
  return reject("stale_timestamp", `The ${label} is ${when}; at most ${toleranceSeconds} s either way is accepted.`);
}
