// GET /platform/api/audit?before=&action=: the platform audit log, newest first.
import { platformAuditQuery } from "@/lib/console/console-input";
import { parseOrThrow } from "@/lib/errors/from-zod";
import { queryObject } from "@/lib/http/read-json";
import { withOperator } from "@/lib/http/with-operator";
import { listPlatformAudit } from "@/lib/platform-audit/read";

export const GET = withOperator(async ({ request }) =>
  Response.json(await listPlatformAudit(parseOrThrow(platformAuditQuery, queryObject(request), "audit query"))),
);
