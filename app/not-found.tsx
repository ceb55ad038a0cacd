import { PageShell } from "@/components/page-shell";

export default function NotFound() {
  return (
    <PageShell brand="Tenant Platform">
      <h1 className="text-2xl font-bold" data-testid="not-found">
        Not found
      </h1>
      <p className="mt-2 text-slate-600">There is no such page or organisation here. Check the address.</p>
    </PageShell>
  );
}
