-- hand-written: the platform audit log (every operator action), hash-chained like a
-- tenant's. It lives in its own schema, platform_audit, with the same tables and the
-- same database functions as a tenant schema's audit trail (tenant migrations
-- audit_trail, audit_triggers, audit_sealing, audit_sealer, in their final form), so
-- the chain code in lib/audit (canonical form, sealing, verification, export) serves it
-- unchanged: lib/audit/audit-table.ts names it `platformAuditLog`. There is no
-- retention purge for it: rows are never deleted. Functions pin search_path to
-- platform_audit (SET search_path FROM CURRENT, or names bound at creation).
CREATE SCHEMA "platform_audit";
SET LOCAL search_path TO "platform_audit";

CREATE TABLE "audit_log" (
    "seq" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "summary" TEXT NOT NULL,
    "changes" JSONB,
    "metadata" JSONB,
    "request_id" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "prev_hash" TEXT,
    "hash" TEXT,
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
) WITH (fillfactor = 50);
ALTER TABLE "audit_log" ALTER COLUMN "seq" DROP DEFAULT;
CREATE INDEX "audit_log_occurred_at_idx" ON "audit_log"("occurred_at");
CREATE INDEX "audit_log_target_type_target_id_seq_idx" ON "audit_log"("target_type", "target_id", "seq" DESC);
CREATE INDEX "audit_log_action_prefix_idx" ON "audit_log" ("action" text_pattern_ops, "seq" DESC);

CREATE TABLE "audit_chain_head" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "pending_seq" BIGINT,
    "pending_xid" BIGINT,
    "sealed_through" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id")
);
INSERT INTO "audit_chain_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

-- Never written (no purge here), but read by verification, which starts from the newest anchor.
CREATE TABLE "audit_retention_anchor" (
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "archive_name" TEXT NOT NULL,
    "archive_sha256" TEXT NOT NULL,
    "purged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_retention_anchor_pkey" PRIMARY KEY ("seq")
);

CREATE FUNCTION audit_field(value text) RETURNS text
  LANGUAGE sql IMMUTABLE
  RETURN CASE WHEN value IS NULL THEN '~' ELSE octet_length(value)::text || ':' || value END;

CREATE FUNCTION audit_canonical(r "audit_log") RETURNS text
  LANGUAGE sql STABLE
  RETURN concat_ws('|',
    audit_field(r.seq::text),
    audit_field(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    audit_field(r.actor_type), audit_field(r.actor_id), audit_field(r.actor_label),
    audit_field(r.action), audit_field(r.target_type), audit_field(r.target_id),
    audit_field(r.summary), audit_field(r.changes::text), audit_field(r.metadata::text),
    audit_field(r.request_id), audit_field(r.ip), audit_field(r.user_agent),
    audit_field(r.prev_hash));

CREATE FUNCTION audit_last_drawn() RETURNS bigint
  LANGUAGE sql VOLATILE
  SET search_path FROM CURRENT
  RETURN (SELECT CASE WHEN "is_called" THEN "last_value" ELSE "last_value" - 1 END FROM "audit_log_seq_seq");

-- Sequencing on insert, sealing later: see the tenant migration audit_sealer for why.
CREATE FUNCTION audit_sequence() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
BEGIN
  PERFORM pg_current_xact_id();
  NEW."seq" := nextval('audit_log_seq_seq');
  NEW."occurred_at" := date_trunc('microseconds', clock_timestamp());
  NEW."prev_hash" := NULL;
  NEW."hash" := NULL;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "audit_log_sequence" BEFORE INSERT ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_sequence();

CREATE FUNCTION audit_seal(max_rows integer DEFAULT 5000)
  RETURNS TABLE ("sealed" integer, "sealed_through" bigint, "drawn" bigint)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
DECLARE
  h "audit_chain_head";
  w bigint;
  x bigint;
  xmin_now bigint;
  pending_final boolean;
  target bigint;
  r "audit_log";
  last_seq bigint;
  last_hash text;
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  hashes text[] := '{}';
  n integer := 0;
  new_through bigint;
  new_pending_seq bigint;
  new_pending_xid bigint;
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'audit_seal() must run in a transaction that has written nothing (call it on its own)'
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  IF NOT pg_try_advisory_xact_lock(1096107348, hashtext(current_schema())) THEN
    RETURN QUERY SELECT 0, hd."sealed_through", audit_last_drawn() FROM "audit_chain_head" hd WHERE hd."id" = 1;
    RETURN;
  END IF;
  SELECT * INTO STRICT h FROM "audit_chain_head" WHERE "id" = 1;
  w := audit_last_drawn();
  IF w <= h."sealed_through" THEN
    RETURN QUERY SELECT 0, h."sealed_through", w;
    RETURN;
  END IF;
  x := pg_current_xact_id()::text::bigint;
  xmin_now := pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
  pending_final := h."pending_seq" IS NOT NULL AND xmin_now >= h."pending_xid";
  IF xmin_now >= x THEN
    target := w;
  ELSIF pending_final THEN
    target := h."pending_seq";
  ELSE
    target := h."sealed_through";
  END IF;

  last_seq := h."seq";
  last_hash := h."hash";
  IF target > h."sealed_through" THEN
    FOR r IN SELECT * FROM "audit_log" a WHERE a."seq" > h."sealed_through" AND a."seq" <= target ORDER BY a."seq" LIMIT max_rows LOOP
      r."prev_hash" := last_hash;
      last_hash := encode(sha256(convert_to(audit_canonical(r), 'UTF8')), 'hex');
      last_seq := r."seq";
      seqs := seqs || r."seq";
      prevs := prevs || r."prev_hash";
      hashes := hashes || last_hash;
      n := n + 1;
    END LOOP;
    IF n > 0 THEN
      PERFORM set_config('audit.sealing', 'on', true);
      UPDATE "audit_log" a SET "prev_hash" = v.p, "hash" = v.h
        FROM unnest(seqs, prevs, hashes) AS v(s, p, h)
       WHERE a."seq" = v.s;
      PERFORM set_config('audit.sealing', '', true);
    END IF;
  END IF;

  IF n >= max_rows THEN
    new_through := last_seq;
    new_pending_seq := target;
    new_pending_xid := 0;
  ELSE
    new_through := target;
    IF w <= new_through THEN
      new_pending_seq := NULL;
      new_pending_xid := NULL;
    ELSIF h."pending_seq" IS NOT NULL AND NOT pending_final THEN
      new_pending_seq := h."pending_seq";
      new_pending_xid := h."pending_xid";
    ELSE
      new_pending_seq := w;
      new_pending_xid := x;
    END IF;
  END IF;
  UPDATE "audit_chain_head"
     SET "seq" = last_seq, "hash" = last_hash, "sealed_through" = new_through,
         "pending_seq" = new_pending_seq, "pending_xid" = new_pending_xid
   WHERE "id" = 1;
  RETURN QUERY SELECT n, new_through, w;
END;
$$;

CREATE FUNCTION audit_guard_update() RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  unchanged record;
BEGIN
  IF current_setting('audit.sealing', true) = 'on'
     AND OLD."hash" IS NULL AND OLD."prev_hash" IS NULL
     AND NEW."hash" IS NOT NULL AND NEW."prev_hash" IS NOT NULL THEN
    unchanged := NEW;
    unchanged."hash" := NULL;
    unchanged."prev_hash" := NULL;
    IF unchanged IS NOT DISTINCT FROM OLD THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit log rows are immutable: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_log_seal_only" BEFORE UPDATE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_guard_update();

-- No purge for the platform log: every DELETE and TRUNCATE is refused.
CREATE FUNCTION audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'platform audit rows are immutable: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_log_immutable" BEFORE DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_anchor_immutable" BEFORE INSERT OR UPDATE OR DELETE ON "audit_retention_anchor"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_anchor_no_truncate" BEFORE TRUNCATE ON "audit_retention_anchor"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

SET LOCAL search_path TO public;
