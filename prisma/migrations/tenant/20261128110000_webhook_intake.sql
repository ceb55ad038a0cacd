-- hand-written: the webhook hot path in one statement each. A delivery's inbox row and
-- its audit row (written by the row-change trigger) are stored by ONE call, run on its
-- own (autocommit): the audit context is set transaction-locally inside the function,
-- so it lives exactly as long as that statement's transaction. Same for marking the
-- rows of an engine send as dispatched. SECURITY INVOKER (the default): the caller
-- needs INSERT/UPDATE on webhook_events, which the application role has; the audit
-- trigger functions are SECURITY DEFINER, so it needs nothing more. EXECUTE on new
-- functions is granted to PUBLIC by PostgreSQL's default privileges.

-- Returns the stored row's id and whether it was already there (a redelivery with
-- the same provider event id stores nothing, even when two copies race).
CREATE FUNCTION webhook_intake(
  audit_ctx text,
  p_integration_id uuid,
  p_provider_event_id text,
  p_event_type text,
  p_headers jsonb,
  p_body bytea,
  p_body_sha256 text
) RETURNS TABLE (id uuid, duplicate boolean)
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
  new_id uuid;
BEGIN
  PERFORM set_config('audit.context', audit_ctx, true);
  INSERT INTO "webhook_events" AS w ("id", "integration_id", "provider_event_id", "event_type", "headers", "body", "body_sha256", "updated_at")
  VALUES (gen_random_uuid(), p_integration_id, p_provider_event_id, p_event_type, p_headers, p_body, p_body_sha256, now())
  ON CONFLICT ("integration_id", "provider_event_id") DO NOTHING
  RETURNING w."id" INTO new_id;
  IF new_id IS NOT NULL THEN
    RETURN QUERY SELECT new_id, false;
  ELSE
    RETURN QUERY SELECT w."id", true FROM "webhook_events" w
      WHERE w."integration_id" = p_integration_id AND w."provider_event_id" = p_provider_event_id;
  END IF;
END;
$$;

-- Marks the rows of one engine send as dispatched: only the generation that was sent
-- (a replay that raced the send stays undispatched). Returns how many rows changed.
CREATE FUNCTION webhook_mark_dispatched(audit_ctx text, p_ids uuid[], p_generations integer[]) RETURNS integer
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM set_config('audit.context', audit_ctx, true);
  UPDATE "webhook_events" w SET "dispatched_at" = now(), "updated_at" = now()
    FROM unnest(p_ids, p_generations) AS r(row_id, row_generation)
   WHERE w."id" = r.row_id AND w."generation" = r.row_generation AND w."dispatched_at" IS NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END;
$$;

-- Group commit: the deliveries that queued up for one tenant while its previous call
-- ran, stored by one call (one transaction, one commit). Each row keeps its own audit
-- context (set before its own INSERT, so its row-change trigger records its own sender
-- and request). All or nothing: the caller
-- falls back to webhook_intake per row if the call fails. Returns (ord, id, duplicate),
-- ord being the 1-based position in the arrays; a provider event id repeated within
-- the call is a duplicate of its first copy.
CREATE FUNCTION webhook_intake_many(
  audit_ctxs text[],
  p_integration_ids uuid[],
  p_provider_event_ids text[],
  p_event_types text[],
  p_headers jsonb[],
  p_bodies bytea[],
  p_body_sha256s text[]
) RETURNS TABLE (ord integer, id uuid, duplicate boolean)
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
  i integer;
  new_id uuid;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_integration_ids, 1), 0) LOOP
    PERFORM set_config('audit.context', audit_ctxs[i], true);
    new_id := NULL;
    INSERT INTO "webhook_events" AS w ("id", "integration_id", "provider_event_id", "event_type", "headers", "body", "body_sha256", "updated_at")
    VALUES (gen_random_uuid(), p_integration_ids[i], p_provider_event_ids[i], p_event_types[i], p_headers[i], p_bodies[i], p_body_sha256s[i], now())
    ON CONFLICT ("integration_id", "provider_event_id") DO NOTHING
    RETURNING w."id" INTO new_id;
    IF new_id IS NOT NULL THEN
      RETURN QUERY SELECT i, new_id, false;
    ELSE
      RETURN QUERY SELECT i, w."id", true FROM "webhook_events" w
        WHERE w."integration_id" = p_integration_ids[i] AND w."provider_event_id" = p_provider_event_ids[i];
    END IF;
  END LOOP;
END;
$$;
