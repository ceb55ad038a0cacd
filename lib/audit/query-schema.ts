// The audit log's filters, shared by the API, the admin page and the CLI.
import { z } from "zod";
import { boundedDate } from "@/lib/zod/dates";
import { text } from "@/lib/zod/text";
import { textLimits } from "@/lib/zod/limits";
import { actorTypes } from "./context";

export const MAX_PAGE_SIZE = 200;

export const auditQuerySchema = z
  .object({
    actorType: z.enum(actorTypes).optional(),
    actorId: text().trim().min(1).max(textLimits.auditId).optional(),
    /** Prefix match: `user.` finds user.created, user.updated, ... */
    action: text()
      .trim()
      .regex(new RegExp(`^[a-z0-9_.]{1,${textLimits.auditAction}}$`), "must be letters, digits, '_' and '.'")
      .optional(),
    targetType: text().trim().min(1).max(textLimits.auditTargetType).optional(),
    targetId: text().trim().min(1).max(textLimits.auditId).optional(),
    from: boundedDate().optional(),
    to: boundedDate().optional(),
    /** Free text over the summary (all words must occur). */
    q: text().trim().min(1).max(textLimits.auditQuery).optional(),
    cursor: text()
      .regex(/^[1-9]\d{0,18}$/, "is not a cursor from a previous page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "must be after from", path: ["to"] });

export type AuditQuery = z.infer<typeof auditQuerySchema>;
