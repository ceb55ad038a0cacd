/** A timestamp in UTC with seconds: "2026-11-27 20:14:05 UTC", or `none` when absent. */
export function formatUtc(value: Date | string | null | undefined, none = "—"): string {
  if (!value) return none;
  const date = new Date(value);
  // A stored value Prisma cannot read (a five-digit year, `infinity`) comes back as
  // Invalid Date; one bad row must not take the whole page down.
  if (Number.isNaN(date.getTime())) return "invalid date";
  // Years beyond 9999 come out as "+099999-01-01T...": still readable this way.
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");
}
