/** A timestamp as the admin pages show it: "2026-11-27 20:14 UTC", or `none` when absent. */
export function formatUtc(value: Date | string | null | undefined, none = "—"): string {
  if (!value) return none;
  return new Date(value).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
