// A small 5-field cron parser (minute hour day-of-month month day-of-week), UTC only.
// Supports *, ?, lists, ranges, steps, month/day names and the @hourly-style aliases.
// A "TZ=..." / "CRON_TZ=..." prefix is accepted only for UTC: other zones are refused
// rather than silently run at the wrong time.

export class CronError extends Error {
  override name = "CronError";
}

export interface CronSchedule {
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Standard cron: when both day fields are restricted, either may match. */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too; folded to 0 below.
  { name: "day of week", min: 0, max: 7, names: DAYS },
];
const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const UTC_ZONES = new Set(["utc", "etc/utc", "gmt", "etc/gmt", "z", "zulu", "universal"]);

function fieldValue(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (field.names === MONTHS ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new CronError(`invalid ${field.name} "${text}"`);
  const n = Number(text);
  if (n < field.min || n > field.max) throw new CronError(`${field.name} ${n} is outside ${field.min}-${field.max}`);
  return n;
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText, ...extra] = part.split("/");
    if (extra.length > 0 || !range) throw new CronError(`invalid ${field.name} "${part}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`invalid step "${stepText}" in ${field.name}`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      lo = field.min;
      hi = field.names === DAYS ? 6 : field.max;
    } else if (range.includes("-")) {
      const [a = "", b = "", ...more] = range.split("-");
      if (more.length > 0) throw new CronError(`invalid range "${range}" in ${field.name}`);
      lo = fieldValue(a, field);
      hi = fieldValue(b, field);
      if (lo > hi) throw new CronError(`range "${range}" in ${field.name} runs backwards`);
    } else {
      lo = fieldValue(range, field);
      // "5/15" means "from 5 to the end, every 15" (as in Vixie cron).
      hi = stepText === undefined ? lo : field.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(field.names === DAYS && v === 7 ? 0 : v);
  }
  return values;
}

export function parseCron(expression: string): CronSchedule {
  let rest = expression.trim();
  const tz = /^(?:CRON_)?TZ=(\S+)\s+/.exec(rest);
  if (tz) {
    const zone = tz[1] ?? "";
    if (!UTC_ZONES.has(zone.toLowerCase())) {
      throw new CronError(`time zone "${zone}" is not supported by the local runner (UTC only)`);
    }
    rest = rest.slice(tz[0].length).trim();
  }
  rest = ALIASES[rest.toLowerCase()] ?? rest;
  const parts = rest.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i] as Field));
  const restricted = (p: string | undefined): boolean => !(p?.startsWith("*") || p?.startsWith("?"));
  const schedule: CronSchedule = {
    source: expression,
    minutes: minutes as Set<number>,
    hours: hours as Set<number>,
    days: days as Set<number>,
    months: months as Set<number>,
    weekdays: weekdays as Set<number>,
    daysRestricted: restricted(parts[2]),
    weekdaysRestricted: restricted(parts[4]),
  };
  nextCronTime(schedule, new Date()); // throws for schedules that never fire (e.g. 30 February)
  return schedule;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  return s.daysRestricted && s.weekdaysRestricted ? dom || dow : dom && dow;
}

/** The first whole minute strictly after `after` that the schedule matches (UTC). */
export function nextCronTime(s: CronSchedule, after: Date): Date {
  const d = new Date(after.getTime());
  d.setUTCSeconds(0, 0);
  d.setUTCMinutes(d.getUTCMinutes() + 1);
  // Each miss jumps to the start of the next month/day/hour/minute, so this bound
  // covers decades of leap-day-on-a-weekday schedules.
  for (let i = 0; i < 200_000; i++) {
    if (!s.months.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else {
      return d;
    }
  }
  throw new CronError(`"${s.source}" never fires`);
}
