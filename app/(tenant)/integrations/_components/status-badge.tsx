// A status as a small coloured label whose text is the status itself (integrations,
// inbox events, sync runs).
const tones: Record<string, string> = {
  active: "border-green-200 bg-green-50 text-green-800",
  processed: "border-green-200 bg-green-50 text-green-800",
  succeeded: "border-green-200 bg-green-50 text-green-800",
  closed: "border-green-200 bg-green-50 text-green-800",
  paused: "border-amber-200 bg-amber-50 text-amber-900",
  failed: "border-amber-200 bg-amber-50 text-amber-900",
  stopped: "border-amber-200 bg-amber-50 text-amber-900",
  "half-open": "border-amber-200 bg-amber-50 text-amber-900",
  processing: "border-sky-200 bg-sky-50 text-sky-800",
  running: "border-sky-200 bg-sky-50 text-sky-800",
  dead: "border-red-200 bg-red-50 text-red-800",
  open: "border-red-200 bg-red-50 text-red-800",
};

export function StatusBadge({ status, testId = "status-badge" }: { status: string; testId?: string }) {
  return (
    <span
      className={`inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium ${tones[status] ?? "border-slate-200 bg-slate-50 text-slate-700"}`}
      data-testid={testId}
    >
      {status}
    </span>
  );
}
