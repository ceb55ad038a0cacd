// An unknown tenant is a 404 decided here, above the page's loading.tsx (which would
// have started a 200); the page still answers not_found on its own (a layout is not
// re-rendered on client navigation).
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { slugParam } from "@/lib/console/console-input";
import { consoleTenantExists } from "@/lib/console/tenant-exists";

export const dynamic = "force-dynamic";

export default async function TenantDetailLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const slug = slugParam.safeParse((await params).slug);
  if (!slug.success || !(await consoleTenantExists(slug.data))) notFound();
  return children;
}
