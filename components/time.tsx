// The one way the admin pages show a timestamp: a <time> whose text is in the viewer's
// time zone (with seconds, so events in the same minute can be ordered) and whose title
// is the UTC time. Server components do not know the viewer's zone: they render UTC and
// the browser rewrites the text (components/local-time.tsx).
import { formatUtc } from "./format-time";
import { LocalTime } from "./local-time";

export function Time({ value, none = "—", className }: { value: Date | string | null | undefined; none?: string; className?: string }) {
  if (!value) return <>{none}</>;
  const date = new Date(value);
  // Unreadable stored dates say so instead of failing the page (formatUtc's "invalid date").
  if (Number.isNaN(date.getTime())) return <span className={className}>{formatUtc(date)}</span>;
  return <LocalTime iso={date.toISOString()} utc={formatUtc(date)} className={className} />;
}
