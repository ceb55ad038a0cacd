import type { ReactNode } from "react";

/** The frame every page sits in: a top bar with a title, then the content. `accent`: a #rrggbb bar above it. */
export function PageShell({ brand, nav, accent, children }: { brand: ReactNode; nav?: ReactNode; accent?: string | null; children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col">
      <header
        className={`border-b border-slate-200 bg-white${accent ? " border-t-4" : ""}`}
        style={accent ? { borderTopColor: accent } : undefined}
        data-testid="page-header"
        data-accent={accent ?? undefined}
      >
        <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
          <div className="text-lg font-semibold tracking-tight">{brand}</div>
          {nav ? <nav className="flex gap-4 text-sm text-slate-600">{nav}</nav> : null}
        </div>
      </header>
      <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6 sm:py-12">{children}</main>
      <footer className="border-t border-slate-200 py-4 text-center text-xs text-slate-500">Tenant Platform</footer>
    </div>
  );
}
