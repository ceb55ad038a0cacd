-- hand-written: a session's "last seen" time, written off the request path in one
-- statement (autocommit, no BEGIN/COMMIT, no Prisma): lib/auth/session-touch.ts queues
-- the touches of a tenant and writes them with one call. Like webhook_intake, the audit
-- context is set transaction-locally inside the function, per row (a change to
-- last_seen_at alone writes no audit row, but every write needs a context). A time never
-- moves backwards, and a session touched since by another instance is left alone.
-- Returns how many rows changed.
CREATE FUNCTION session_touch(audit_ctx text[], p_ids uuid[], p_at timestamptz[]) RETURNS integer
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  changed integer := 0;
  n integer;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
    PERFORM set_config('audit.context', audit_ctx[i], true);
    UPDATE "sessions" SET "last_seen_at" = p_at[i] WHERE "id" = p_ids[i] AND "last_seen_at" < p_at[i];
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
  END LOOP;
  RETURN changed;
END;
$$;
