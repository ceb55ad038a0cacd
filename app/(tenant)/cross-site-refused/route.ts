// Where the middleware sends a server action posted from another site (CSRF): a 403,
// audited by the request wrapper like every denial. Reached directly, it refuses too.
import { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { withTenant } from "@/lib/http/with-tenant";

// What the middleware passes along, printable and short: it ends up in the audit row.
const printable = z.string().max(200).regex(/^[\x20-\x7e]*$/).catch("(unreadable)");

function refuse(request: Request): never {
  const params = new URL(request.url).searchParams;
  const origin = printable.parse(params.get("origin") ?? "");
  const path = printable.parse(params.get("path") ?? "");
  throw new AppError("forbidden", `Cross-site request refused: a form or action on ${origin || "another site"} posted to ${path || "this site"}.`, [], {
    reason: "cross_site",
  });
}

export const POST = withTenant(async ({ request }) => refuse(request));
export const GET = POST;
