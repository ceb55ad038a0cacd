// GET /platform/api/audit/verify: walks the platform audit chain (200 either way; `ok` says).
import { withOperator } from "@/lib/http/with-operator";
import { verifyPlatformAudit } from "@/lib/platform-audit/chain";

export const GET = withOperator(async () => Response.json(await verifyPlatformAudit()));
