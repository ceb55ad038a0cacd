// Unread in-app notices (an integration's circuit opened, ...) at the top of every
// tenant page, for principals who may see integrations. Dismissing needs
// integrations:write; others see the notices without the button.
import Link from "next/link";
import { Time } from "@/components/time";
import { can, type UserPrincipal } from "@/lib/auth/principal";
import { listNotices, type NoticeView } from "@/lib/integrations/notices";
import type { TenantRecord } from "@/lib/tenancy/tenant-record";
import { DismissNoticeButton } from "./dismiss-notice-button";
import { log } from "@/lib/observability/logger";

export async function Notices({ tenant, principal }: { tenant: TenantRecord; principal: UserPrincipal }) {
  if (!can(principal, "integrations:read")) return null;
  let notices: NoticeView[];
  try {
    notices = await listNotices(tenant.slug, { unreadOnly: true, limit: 10 });
  } catch (err) {
    // Notices are an aid: a failure to read them must not take the page down.
    log().error({ err, component: "notices" }, "could not list notices");
    return null;
  }
  if (notices.length === 0) return null;
  const canDismiss = can(principal, "integrations:write");
  return (
    <section aria-label="Notices" className="mb-6 space-y-2" data-testid="notices">
      {notices.map((n) => (
        <div
          key={n.id}
          role="note"
          aria-label={n.title}
          className="flex flex-wrap items-start justify-between gap-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
          data-testid={`notice-${n.id}`}
        >
          <div className="min-w-0 flex-1">
            <p className="font-medium">{n.title}</p>
            <p className="mt-0.5 break-words">{n.body}</p>
            <p className="mt-1 text-xs text-amber-800">
              <Time value={n.createdAt} />
              {n.integrationId ? (
                <>
                  {" · "}
                  <Link href={`/integrations/${n.integrationId}`} className="font-medium underline">
                    Open the integration
                  </Link>
                </>
              ) : null}
            </p>
          </div>
          {canDismiss ? <DismissNoticeButton id={n.id} title={n.title} /> : null}
        </div>
      ))}
    </section>
  );
}
