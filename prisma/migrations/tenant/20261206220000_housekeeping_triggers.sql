-- hand-written: a change to housekeeping columns alone (a session's last_seen_at, an API
-- key's last_used_at) no longer calls the row-change function. It wrote no audit row for
-- such a change anyway, but calling it cost a PL/pgSQL compile of that tenant's function
-- on each database connection that first ran it: with thousands of tenants behind a
-- pooler, nearly every "last seen" write paid one. The trigger's WHEN clause is a plain
-- expression, so the function now runs only when something else changed.
--
-- Such a write still needs an audit context, like every write: a BEFORE trigger refuses
-- it without one (its WHEN clause, again, costs no function call when the context is set).
CREATE FUNCTION audit_require_context() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'write to %.% without an audit context: tenant writes must run through withAudit()', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER "sessions_audit" ON "sessions";
CREATE TRIGGER "sessions_audit" AFTER INSERT OR DELETE ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('session', 'last_seen_at');
CREATE TRIGGER "sessions_audit_update" AFTER UPDATE ON "sessions"
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_seen_at' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_seen_at' - 'updated_at'))
  EXECUTE FUNCTION audit_row_change('session', 'last_seen_at');
CREATE TRIGGER "sessions_audit_context" BEFORE UPDATE ON "sessions"
  FOR EACH ROW WHEN (coalesce(current_setting('audit.context', true), '') = '')
  EXECUTE FUNCTION audit_require_context();

DROP TRIGGER "api_keys_audit" ON "api_keys";
CREATE TRIGGER "api_keys_audit" AFTER INSERT OR DELETE ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('api_key', 'last_used_at');
CREATE TRIGGER "api_keys_audit_update" AFTER UPDATE ON "api_keys"
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at' - 'updated_at'))
  EXECUTE FUNCTION audit_row_change('api_key', 'last_used_at');
CREATE TRIGGER "api_keys_audit_context" BEFORE UPDATE ON "api_keys"
  FOR EACH ROW WHEN (coalesce(current_setting('audit.context', true), '') = '')
  EXECUTE FUNCTION audit_require_context();

-- lib/auth/session-touch.ts now writes the touches with one plain UPDATE (a PL/pgSQL
-- function cost the same compile per connection and tenant).
DROP FUNCTION session_touch(text[], uuid[], timestamptz[]);
