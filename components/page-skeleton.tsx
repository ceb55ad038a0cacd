import { PageShell } from "./page-shell";

// What a section's loading.tsx shows while its page is prepared on the server: the page's
// frame with grey blocks where the title, a card and table rows will be, announced to
// assistive technology as busy. It renders no data, so it may be shown before any check.
// `framed`: inside its own page frame (tenant pages draw their header themselves), or
// bare, for a layout that already draws it (the operator console).
export function PageSkeleton({ label, framed = true }: { label: string; framed?: boolean }) {
  const blocks = (
    <div role="status" aria-busy="true" aria-live="polite" aria-label={`Loading ${label}`} data-testid="page-skeleton">
      <div className="animate-pulse space-y-6">
        <div className="h-8 w-1/3 rounded bg-slate-200" />
        <div className="h-4 w-2/3 rounded bg-slate-200" />
        <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-5">
          {Array.from({ length: 5 }, (_, i) => (
            <div key={i} className="h-4 rounded bg-slate-100" />
          ))}
        </div>
      </div>
      <span className="sr-only">Loading {label}…</span>
    </div>
  );
  return framed ? <PageShell brand={<span className="inline-block h-6 w-40 animate-pulse rounded bg-slate-200" />}>{blocks}</PageShell> : blocks;
}
