-- hand-written: constraints and audit triggers for the integration tables.

ALTER TABLE "integrations" ADD CONSTRAINT "integrations_kind_check" CHECK ("kind" IN ('webhook', 'rest'));
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_status_check" CHECK ("status" IN ('active', 'paused'));
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_scheme_check" CHECK (
  ("kind" = 'webhook' AND "scheme" IN ('standard-webhooks', 'stripe', 'github', 'hmac-sha256'))
  OR ("kind" = 'rest' AND "scheme" IS NULL));
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_name_check" CHECK (length("name") BETWEEN 1 AND 100);
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_status_check"
  CHECK ("status" IN ('received', 'processing', 'processed', 'failed', 'dead'));
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_body_size_check" CHECK (octet_length("body") <= 1048576);
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_trigger_check" CHECK ("trigger" IN ('manual', 'schedule'));
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_status_check" CHECK ("status" IN ('running', 'succeeded', 'failed', 'stopped'));
ALTER TABLE "synced_records" ADD CONSTRAINT "synced_records_source_check" CHECK ("source" IN ('sync', 'webhook'));

-- The reconciler looks for accepted events that never reached the workflow engine.
CREATE INDEX "webhook_events_undispatched_idx" ON "webhook_events" ("received_at") WHERE "dispatched_at" IS NULL;

-- audit_row_change() gains omitted columns: an argument starting with '-' names a
-- column left out of the audit row entirely (a webhook's raw body can be 1 MiB; the
-- row keeps its SHA-256, which is audited). Other arguments stay quiet columns, as before.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
DECLARE
  raw_ctx text := current_setting('audit.context', true);
  ctx jsonb;
  entity text := TG_ARGV[0];
  quiet text[] := ARRAY['updated_at']::text[];
  omitted text[] := ARRAY[]::text[];
  arg text;
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
  FOREACH arg IN ARRAY coalesce(TG_ARGV[1:TG_NARGS - 1], ARRAY[]::text[]) LOOP
    IF left(arg, 1) = '-' THEN omitted := omitted || substr(arg, 2); ELSE quiet := quiet || arg; END IF;
  END LOOP;
  ctx := raw_ctx::jsonb;
  IF TG_OP = 'INSERT' THEN
    verb := 'created';
    after := audit_redact(to_jsonb(NEW) - omitted);
    diff := after;
    target := NEW."id"::text;
  ELSIF TG_OP = 'UPDATE' THEN
    verb := 'updated';
    before := audit_redact(to_jsonb(OLD) - omitted);
    after := audit_redact(to_jsonb(NEW) - omitted);
    FOR k IN SELECT jsonb_object_keys(after) LOOP
      IF NOT (k = ANY (quiet)) AND (before -> k) IS DISTINCT FROM (after -> k) THEN
        diff := diff || jsonb_build_object(k, jsonb_build_object('before', before -> k, 'after', after -> k));
      END IF;
    END LOOP;
    IF diff = '{}'::jsonb THEN RETURN NULL; END IF; -- nothing but housekeeping changed
    target := NEW."id"::text;
  ELSE
    verb := 'deleted';
    before := audit_redact(to_jsonb(OLD) - omitted);
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

-- Quiet: handing an event to the engine (dispatched_at) and a sync run's progress per
-- page are housekeeping; the run's end is recorded with its counts (integration.sync_finished).
CREATE TRIGGER "integrations_audit" AFTER INSERT OR UPDATE OR DELETE ON "integrations"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('integration');
CREATE TRIGGER "webhook_events_audit" AFTER INSERT OR UPDATE OR DELETE ON "webhook_events"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('webhook_event', 'dispatched_at', '-body', '-headers');
CREATE TRIGGER "sync_runs_audit" AFTER INSERT OR UPDATE OR DELETE ON "sync_runs"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('sync_run', 'cursor', 'pages', 'fetched', 'created', 'updated', 'unchanged');
CREATE TRIGGER "synced_records_audit" AFTER INSERT OR UPDATE OR DELETE ON "synced_records"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('synced_record');
CREATE TRIGGER "notices_audit" AFTER INSERT OR UPDATE OR DELETE ON "notices"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('notice');

CREATE TRIGGER "integrations_no_truncate" BEFORE TRUNCATE ON "integrations" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "webhook_events_no_truncate" BEFORE TRUNCATE ON "webhook_events" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "sync_runs_no_truncate" BEFORE TRUNCATE ON "sync_runs" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "synced_records_no_truncate" BEFORE TRUNCATE ON "synced_records" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER "notices_no_truncate" BEFORE TRUNCATE ON "notices" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
