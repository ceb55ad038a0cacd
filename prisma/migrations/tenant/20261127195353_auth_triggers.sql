-- hand-written: the database side of authentication's tables.

-- Roles and statuses are checked by the database as well as by zod, so no write path
-- can store a role the permission map does not know (lib/auth/permissions.ts).
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('owner', 'admin', 'member', 'viewer'));
ALTER TABLE "users" ADD CONSTRAINT "users_status_check" CHECK ("status" IN ('active', 'invited'));
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_kind_check" CHECK ("kind" IN ('browser', 'api'));

-- Users that existed before roles: the oldest becomes the owner, so no tenant is left
-- without one. The write is audited like any other (system actor).
SELECT set_config('audit.context', '{"actorType":"system","actorLabel":"migration auth_accounts"}', true);
UPDATE "users" SET "role" = 'owner'
  WHERE "id" = (SELECT "id" FROM "users" ORDER BY "created_at", "id" LIMIT 1)
    AND NOT EXISTS (SELECT 1 FROM "users" WHERE "role" = 'owner');

-- Row-change capture learns "housekeeping" columns (TG_ARGV[1..]): like updated_at,
-- a change to them alone writes no audit row (a session's last_seen_at, a key's
-- last_used_at), while the write still needs an audit context like every other.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
DECLARE
  raw_ctx text := current_setting('audit.context', true);
  ctx jsonb;
  entity text := TG_ARGV[0];
  quiet text[] := ARRAY['updated_at']::text[] || coalesce(TG_ARGV[1:TG_NARGS - 1], ARRAY[]::text[]);
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
      IF NOT (k = ANY (quiet)) AND (before -> k) IS DISTINCT FROM (after -> k) THEN
        diff := diff || jsonb_build_object(k, jsonb_build_object('before', before -> k, 'after', after -> k));
      END IF;
    END LOOP;
    IF diff = '{}'::jsonb THEN RETURN NULL; END IF; -- nothing but housekeeping changed
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

CREATE TRIGGER "sessions_audit" AFTER INSERT OR UPDATE OR DELETE ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('session', 'last_seen_at');
CREATE TRIGGER "refresh_tokens_audit" AFTER INSERT OR UPDATE OR DELETE ON "refresh_tokens"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('refresh_token');
CREATE TRIGGER "recovery_codes_audit" AFTER INSERT OR UPDATE OR DELETE ON "recovery_codes"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('recovery_code');
CREATE TRIGGER "api_keys_audit" AFTER INSERT OR UPDATE OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('api_key', 'last_used_at');
CREATE TRIGGER "invitations_audit" AFTER INSERT OR UPDATE OR DELETE ON "invitations"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('invitation');

CREATE TRIGGER "sessions_no_truncate" BEFORE TRUNCATE ON "sessions" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "refresh_tokens_no_truncate" BEFORE TRUNCATE ON "refresh_tokens" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "recovery_codes_no_truncate" BEFORE TRUNCATE ON "recovery_codes" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "api_keys_no_truncate" BEFORE TRUNCATE ON "api_keys" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "invitations_no_truncate" BEFORE TRUNCATE ON "invitations" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
