// The one rule for dates from outside: an ISO-like string (or a Date from our own code),
// a real date, within years 1970..9999. Unbounded dates were stored fine by PostgreSQL
// (year 99999) and then came back unreadable (Invalid Date) and broke the pages.
// Narrower windows (an API key's expiry) refine this further where they are used.
import { z } from "zod";
import { text } from "./text";

export const earliestDate = new Date("1970-01-01T00:00:00.000Z");
export const latestDate = new Date("9999-12-31T23:59:59.999Z");

const dateLike = z.union([z.date(), text().max(64)], { error: "must be a date, such as 2030-01-31 or 2030-01-31T12:00:00Z" });

/** A date in 1970..9999; strings are read as `new Date(string)` reads them. */
export function boundedDate() {
  return dateLike.pipe(
    z.coerce
      .date<string | Date>({ error: "is not a valid date" })
      .min(earliestDate, "must be in 1970 or later")
      .max(latestDate, "must be before the year 10000"),
  );
}

/** `date` plus whole years, in UTC. */
export function addYears(date: Date, years: number): Date {
  const out = new Date(date);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/** A stored timestamp PostgreSQL gave back but JavaScript cannot represent (year 99999, infinity) is Invalid Date. */
export function isValidDate(value: Date): boolean {
  return !Number.isNaN(value.getTime());
}
