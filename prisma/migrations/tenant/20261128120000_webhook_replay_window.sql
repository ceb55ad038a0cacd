-- hand-written: replays on schemes whose event id is not signed (github, hmac-sha256),
-- and stuck rows (acknowledged by the engine, then lost by it).
--
-- On those schemes anyone holding one captured delivery can resend its body and
-- signature under a new event id. The intake functions gain an optional window: when
-- given, a delivery whose body (SHA-256) this integration already stored within the
-- window is a duplicate of that row, whatever its event id. A transaction-level
-- advisory lock on (integration, body hash) makes two copies racing each other see one
-- another; the lock is held only by deliveries of those schemes, for one statement.
-- The argument is last and defaults to NULL, so callers of the old signatures (and the
-- signed schemes) keep the behaviour they had.

CREATE INDEX "webhook_events_integration_body_sha256_idx" ON "webhook_events" ("integration_id", "body_sha256", "received_at" DESC);

-- Rows the engine acknowledged but has not processed: found by the reconciler's
-- re-dispatch pass and counted by the health view.
CREATE INDEX "webhook_events_received_dispatched_idx" ON "webhook_events" ("dispatched_at") WHERE "status" = 'received' AND "dispatched_at" IS NOT NULL;

DROP FUNCTION webhook_intake(text, uuid, text, text, jsonb, bytea, text);
DROP FUNCTION webhook_intake_many(text[], uuid[], text[], text[], jsonb[], bytea[], text[]);

CREATE FUNCTION webhook_intake(
  audit_ctx text,
  p_integration_id uuid,
  p_provider_event_id text,
  p_event_type text,
  p_headers jsonb,
  p_body bytea,
  p_body_sha256 text,
  p_body_window_seconds integer DEFAULT NULL
) RETURNS TABLE (id uuid, duplicate boolean)
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
  new_id uuid;
BEGIN
  PERFORM set_config('audit.context', audit_ctx, true);
  IF p_body_window_seconds IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_integration_id::text || ':' || p_body_sha256, 0));
    SELECT w."id" INTO new_id FROM "webhook_events" w
     WHERE w."integration_id" = p_integration_id AND w."body_sha256" = p_body_sha256
       AND w."received_at" > now() - make_interval(secs => p_body_window_seconds)
     ORDER BY w."received_at" DESC LIMIT 1;
    IF new_id IS NOT NULL THEN
      RETURN QUERY SELECT new_id, true;
      RETURN;
    END IF;
  END IF;
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

-- As before (see 20261128110000_webhook_intake.sql), with the window per delivery (NULL: none).
CREATE FUNCTION webhook_intake_many(
  audit_ctxs text[],
  p_integration_ids uuid[],
  p_provider_event_ids text[],
  p_event_types text[],
  p_headers jsonb[],
  p_bodies bytea[],
  p_body_sha256s text[],
  p_body_window_seconds integer[] DEFAULT NULL
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
    IF p_body_window_seconds[i] IS NOT NULL THEN
      PERFORM pg_advisory_xact_lock(hashtextextended(p_integration_ids[i]::text || ':' || p_body_sha256s[i], 0));
      SELECT w."id" INTO new_id FROM "webhook_events" w
       WHERE w."integration_id" = p_integration_ids[i] AND w."body_sha256" = p_body_sha256s[i]
         AND w."received_at" > now() - make_interval(secs => p_body_window_seconds[i])
       ORDER BY w."received_at" DESC LIMIT 1;
      IF new_id IS NOT NULL THEN
        RETURN QUERY SELECT i, new_id, true;
        CONTINUE;
      END IF;
    END IF;
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

-- Re-offers rows the engine acknowledged (dispatched_at set) but never processed within
-- the bound: they go back to undispatched, same generation, so the reconciler sends them
-- again under the SAME engine event id (the engine drops it if it still has the event;
-- processing an already processed row is a no-op). Returns how many rows were re-opened.
CREATE FUNCTION webhook_reopen_stuck(audit_ctx text, p_dispatched_before timestamptz, p_limit integer) RETURNS integer
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM set_config('audit.context', audit_ctx, true);
  UPDATE "webhook_events" w SET "dispatched_at" = NULL, "updated_at" = now()
   WHERE w."id" IN (
     SELECT s."id" FROM "webhook_events" s
      WHERE s."status" = 'received' AND s."dispatched_at" IS NOT NULL AND s."dispatched_at" < p_dispatched_before
      ORDER BY s."dispatched_at" LIMIT p_limit
      FOR UPDATE SKIP LOCKED)
     AND w."status" = 'received';
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END;
$$;
