// Shown while a tenant page is being prepared (the loading.tsx of the shell and of each
// section): grey blocks where the title, a card and table rows will be, announced to
// assistive technology as loading.
export function PageSkeleton({ label }: { label: string }) {
  return (
    <div className="mx-auto max-w-5xl px-4 py-8 sm:px-6 sm:py-12" role="status" aria-live="polite" aria-label={`Loading ${label}`} data-testid="page-skeleton">
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
}
