import { PageShell } from "@/components/page-shell";

export default function Forbidden() {
  return (
    <PageShell brand="Tenant Platform">
      <h1 className="text-2xl font-bold" data-testid="forbidden">
        Not allowed
      </h1>
      <p className="mt-2 text-slate-600">Your role does not include this page. Ask an owner or admin of the organisation.</p>
    </PageShell>
  );
}
