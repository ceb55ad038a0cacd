-- hand-written: the audit trail's database side (triggers cannot be expressed in
-- tenant.prisma). Runs inside the tenant schema (search_path set by the runner);
-- every function pins that search_path with SET search_path FROM CURRENT, because
-- triggers fire under whatever search_path the writing session has. The functions
-- that write the chain are SECURITY DEFINER (owned by the migrating role), so where a
-- least-privilege application role is used (DATABASE_APP_ROLE) it needs only INSERT
-- and SELECT on audit_log, and nothing at all on the chain head or the anchors.

-- The chain head: the newest row's seq and hash, updated once per INSERT statement.
-- Verification compares it with the newest row, so removing the newest rows shows.
INSERT INTO "audit_chain_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

-- Canonical text of a row for hashing: each field as <octet length>:<value>, or ~
-- for NULL, joined with |. Unambiguous, and reproducible outside PostgreSQL from the
-- exported fields (lib/audit/canonical.ts is the same function in TypeScript).
CREATE FUNCTION audit_field(value text) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN CASE WHEN value IS NULL THEN '~' ELSE octet_length(value)::text || ':' || value END;

CREATE FUNCTION audit_canonical(r "audit_log") RETURNS text
  LANGUAGE sql STABLE
  SET search_path FROM CURRENT
  RETURN concat_ws('|',
    audit_field(r.seq::text),
    audit_field(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    audit_field(r.actor_type), audit_field(r.actor_id), audit_field(r.actor_label),
    audit_field(r.action), audit_field(r.target_type), audit_field(r.target_id),
    audit_field(r.summary), audit_field(r.changes::text), audit_field(r.metadata::text),
    audit_field(r.request_id), audit_field(r.ip), audit_field(r.user_agent),
    audit_field(r.prev_hash));

-- Appends are serialised per tenant with a transaction-level advisory lock, so
-- concurrent writers queue instead of forking the chain; the primary key on seq makes
-- a fork impossible even so (audited writes use READ COMMITTED, the default). The
-- chain continues from the head, never from whatever row happens to be newest: a
-- removed newest row then leaves a gap that verification reports.
CREATE FUNCTION audit_append() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  newer record;
BEGIN
  PERFORM pg_advisory_xact_lock(1096107348, hashtext(TG_TABLE_SCHEMA));
  SELECT "seq", "hash" INTO last_seq, last_hash FROM "audit_chain_head" WHERE "id" = 1;
  -- The head moves once per statement, so rows this statement already inserted
  -- (visible to a row-level BEFORE trigger) may be ahead of it.
  SELECT "seq", "hash" INTO newer FROM "audit_log" WHERE "seq" > last_seq ORDER BY "seq" DESC LIMIT 1;
  IF FOUND THEN
    last_seq := newer."seq";
    last_hash := newer."hash";
  END IF;
  NEW."seq" := last_seq + 1;
  -- clock_timestamp(), not now(): taken under the lock, so time follows seq.
  NEW."occurred_at" := date_trunc('microseconds', clock_timestamp());
  NEW."prev_hash" := last_hash;
  NEW."hash" := encode(sha256(convert_to(audit_canonical(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END;
$$;

CREATE TRIGGER "audit_log_append" BEFORE INSERT ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_append();

CREATE FUNCTION audit_move_head() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
BEGIN
  UPDATE "audit_chain_head" h SET "seq" = n."seq", "hash" = n."hash"
    FROM (SELECT "seq", "hash" FROM inserted ORDER BY "seq" DESC LIMIT 1) n
   WHERE h."id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "audit_log_move_head" AFTER INSERT ON "audit_log"
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION audit_move_head();

-- Immutability: no UPDATE, DELETE or TRUNCATE, except the retention purge, which
-- may delete only the oldest rows up to its own anchor, inside its own transaction.
CREATE FUNCTION audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  purge_to bigint := nullif(current_setting('audit.purge_through_seq', true), '')::bigint;
BEGIN
  IF TG_OP = 'DELETE' AND purge_to IS NOT NULL AND OLD."seq" <= purge_to
     AND EXISTS (SELECT 1 FROM "audit_retention_anchor" WHERE "seq" = purge_to) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit log rows are immutable: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- A retention anchor may only be written by a purge (audit.purge_through_seq set to
-- its seq in the same transaction) and must name an existing row by its true hash.
CREATE FUNCTION audit_check_anchor() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF nullif(current_setting('audit.purge_through_seq', true), '')::bigint IS DISTINCT FROM NEW."seq"
     OR NOT EXISTS (SELECT 1 FROM "audit_log" WHERE "seq" = NEW."seq" AND "hash" = NEW."hash") THEN
    RAISE EXCEPTION 'a retention anchor must name an existing audit row and be written by a retention purge'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "audit_anchor_check" BEFORE INSERT ON "audit_retention_anchor"
  FOR EACH ROW EXECUTE FUNCTION audit_check_anchor();

CREATE TRIGGER "audit_log_immutable" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_anchor_immutable" BEFORE UPDATE OR DELETE ON "audit_retention_anchor"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_anchor_no_truncate" BEFORE TRUNCATE ON "audit_retention_anchor"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Row-change capture on tenant tables: every INSERT, UPDATE and DELETE writes an
-- audit row in the same transaction. The request wrapper supplies who and why in
-- the transaction-local setting audit.context; a write without it is refused, so no
-- write path can skip the audit trail. TG_ARGV[0] is the entity name (user, ...).
CREATE FUNCTION audit_redact(data jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE
  RETURN (
    SELECT coalesce(jsonb_object_agg(key,
      CASE WHEN key ~ '(password|secret|token|_hash$|recovery_code|private_key|api_key)' AND value <> 'null'::jsonb
           THEN '"[redacted]"'::jsonb ELSE value END), '{}'::jsonb)
    FROM jsonb_each(data));

CREATE FUNCTION audit_row_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
DECLARE
  raw_ctx text := current_setting('audit.context', true);
  ctx jsonb;
  entity text := TG_ARGV[0];
  before jsonb;
  after jsonb;
  diff jsonb := '{}'::jsonb;
  k text;
  verb text;
  target text;
BEGIN
  IF raw_ctx IS NULL OR raw_ctx = '' THEN
    RAISE EXCEPTION 'write to %.% without an audit context: tenant writes must run through withAudit()', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  ctx := raw_ctx::jsonb;
  IF TG_OP = 'INSERT' THEN
    verb := 'created';
    after := audit_redact(to_jsonb(NEW));
    diff := after;
    target := NEW."id"::text;
  ELSIF TG_OP = 'UPDATE' THEN
    verb := 'updated';
    before := audit_redact(to_jsonb(OLD));
    after := audit_redact(to_jsonb(NEW));
    FOR k IN SELECT jsonb_object_keys(after) LOOP
      IF k <> 'updated_at' AND (before -> k) IS DISTINCT FROM (after -> k) THEN
        diff := diff || jsonb_build_object(k, jsonb_build_object('before', before -> k, 'after', after -> k));
      END IF;
    END LOOP;
    IF diff = '{}'::jsonb THEN RETURN NULL; END IF; -- nothing but updated_at changed
    target := NEW."id"::text;
  ELSE
    verb := 'deleted';
    before := audit_redact(to_jsonb(OLD));
    diff := before;
    target := OLD."id"::text;
  END IF;
  INSERT INTO "audit_log" ("actor_type", "actor_id", "actor_label", "action", "target_type", "target_id",
                           "summary", "changes", "request_id", "ip", "user_agent")
  VALUES (ctx ->> 'actorType', ctx ->> 'actorId', ctx ->> 'actorLabel', entity || '.' || verb, entity, target,
          entity || ' ' || target || ' ' || verb || coalesce(' by ' || (ctx ->> 'actorLabel'), ''),
          diff, ctx ->> 'requestId', ctx ->> 'ip', ctx ->> 'userAgent');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "users_audit" AFTER INSERT OR UPDATE OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('user');
CREATE TRIGGER "organizations_audit" AFTER INSERT OR UPDATE OR DELETE ON "organizations"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('organization');
-- Truncating a tenant table would skip the row triggers: refuse it.
CREATE FUNCTION audit_refuse_truncate() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of %.% would bypass the audit trail', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "users_no_truncate" BEFORE TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "organizations_no_truncate" BEFORE TRUNCATE ON "organizations" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();

-- Search indexes the Prisma schema cannot express: action prefix match, and
-- free text over the summary.
CREATE INDEX "audit_log_action_prefix_idx" ON "audit_log" ("action" text_pattern_ops, "seq" DESC);
CREATE INDEX "audit_log_summary_fts_idx" ON "audit_log" USING gin (to_tsvector('simple', "summary"));
