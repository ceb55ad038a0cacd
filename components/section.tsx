import type { ReactNode } from "react";

/** A titled card on an admin page; `id` labels it for assistive technology. */
export function Section({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="mb-8 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <h2 id={id} className="mb-4 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
