// Where the middleware sends a server action posted from another site (CSRF): a 403,
// audited by the request wrapper like every denial (its row names the original path:
// a rewrite keeps the request's URL). Reached directly, it refuses too.
import { z } from "zod";
import { AppError } from "@/lib/errors/app-error";
import { withTenant } from "@/lib/http/with-tenant";

// The Origin ends up in the audit row: printable and short.
const printable = z
  .string()
  .max(200)
  .regex(/^[\x20-\x7e]*$/)
  .catch("(unreadable)");

function refuse(request: Request): never {
  const origin = printable.parse(request.headers.get("origin") ?? "");
  throw new AppError("forbidden", `Cross-site request refused: a form or action on ${origin || "another site"} posted to this site.`, [], {
    reason: "cross_site",
  });
}

export const POST = withTenant(async ({ request }) => refuse(request));
export const GET = POST;
