// The audit log's filters, shared by the API, the admin page and the CLI.
import { z } from "zod";
import { actorTypes } from "./context";

export const MAX_PAGE_SIZE = 200;

export const auditQuerySchema = z
  .object({
    actorType: z.enum(actorTypes).optional(),
    actorId: z.string().trim().min(1).max(200).optional(),
    /** Prefix match: `user.` finds user.created, user.updated, ... */
    action: z.string().trim().regex(/^[a-z0-9_.]{1,100}$/, "must be letters, digits, '_' and '.'").optional(),
    targetType: z.string().trim().min(1).max(100).optional(),
    targetId: z.string().trim().min(1).max(200).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    /** Free text over the summary (all words must occur). */
    q: z.string().trim().min(1).max(200).optional(),
    cursor: z.string().regex(/^[1-9]\d{0,18}$/, "is not a cursor from a previous page").optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "must be after from", path: ["to"] });

export type AuditQuery = z.infer<typeof auditQuerySchema>;
