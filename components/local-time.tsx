"use client";
// The browser half of <Time>: the server's HTML carries the UTC text, and once hydrated
// the text is rewritten in the browser's zone. useSyncExternalStore hands React the
// server value (null) during hydration and the zone right after, so there is no
// hydration mismatch.
import { useSyncExternalStore } from "react";

const subscribe = () => () => {};
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const noZone = () => null;

const formats = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-28 05:14:05 GMT+9" in the given zone (24-hour clock, the zone's short name). */
export function formatInZone(date: Date, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

export function LocalTime({ iso, utc, className }: { iso: string; utc: string; className?: string }) {
  const zone = useSyncExternalStore(subscribe, browserZone, noZone);
  let text = utc;
  if (zone) {
    try {
      text = formatInZone(new Date(iso), zone);
    } catch {
      // A year Intl cannot format (beyond ±275,760) keeps the UTC text.
    }
  }
  return (
    <time dateTime={iso} title={utc} className={className}>
      {text}
    </time>
  );
}
