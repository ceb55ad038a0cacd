// The SELECT list that reads audit rows as the text that was hashed (see canonical.ts).
// Column names are fixed; the schema is quoted by the caller from a validated slug.
export const hashedRowColumns = `
  "seq"::text AS "seq",
  to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
  "actor_type" AS "actorType", "actor_id" AS "actorId", "actor_label" AS "actorLabel",
  "action", "target_type" AS "targetType", "target_id" AS "targetId", "summary",
  "changes"::text AS "changes", "metadata"::text AS "metadata",
  "request_id" AS "requestId", "ip", "user_agent" AS "userAgent",
  "prev_hash" AS "prevHash", "hash"`;
