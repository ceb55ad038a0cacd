-- hand-written: appends that never wait on a lock, sealed into the hash chain later.
-- Replaces the per-tenant advisory lock of audit_append() (held until commit, so all
-- writers of a tenant queued) by two steps:
--   1. sequencing, in the writer's transaction: the BEFORE INSERT trigger takes the
--      transaction's id, then draws seq from the table's sequence; prev_hash and hash
--      stay NULL. No lock, no read of the chain head.
--   2. sealing, by audit_seal() in a short transaction of its own, one sealer per tenant
--      at a time: rows are chained in seq order, only up to a seq below which every
--      transaction has finished (see audit_seal for why that point is safe).
-- Rolled-back transactions leave gaps in seq; the chain links rows by prev_hash, and the
-- chain head (newest sealed row) shows when the newest sealed rows are removed.
-- Runs inside the tenant schema (search_path set by the runner); functions pin it.

-- Rows written by the old trigger are all sealed already. Writers wait for this
-- migration's lock on audit_log (DROP TRIGGER), so none is half-way meanwhile.
DROP TRIGGER "audit_log_append" ON "audit_log";
DROP TRIGGER "audit_log_move_head" ON "audit_log";
DROP FUNCTION audit_append();
DROP FUNCTION audit_move_head();

-- The trigger draws seq itself (after taking the xid); a column default would draw it
-- before the trigger runs, i.e. possibly before the transaction has an id.
ALTER TABLE "audit_log" ALTER COLUMN "seq" DROP DEFAULT;
SELECT setval('audit_log_seq_seq',
  greatest((SELECT coalesce(max("seq"), 0) FROM "audit_log"), (SELECT "seq" FROM "audit_chain_head" WHERE "id" = 1)) + 1,
  false);
UPDATE "audit_chain_head"
   SET "sealed_through" = greatest("seq", (SELECT coalesce(max("seq"), 0) FROM "audit_log"))
 WHERE "id" = 1;

-- Sealing updates every row once, shortly after it was written. With room left on each
-- page the new version stays on the same page (a HOT update: no index entry, none of the
-- six indexes grows, nothing for vacuum to clean in them). Measured with 8 writers and the
-- sealer: 22% of seals were HOT at fillfactor 100, 73% at 50, 93% at 40. New pages only.
-- Each seal also leaves the row's old version behind: vacuum the table after 1% of it is
-- dead rather than the default 20%, so searches do not wade through dead versions.
ALTER TABLE "audit_log" SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);

CREATE FUNCTION audit_sequence() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
AS $$
BEGIN
  -- The order matters: the transaction's id must exist before its seq is drawn, so a
  -- sealer that reads the sequence and then takes an xid of its own knows every
  -- transaction holding a seq up to what it read has an older xid (audit_seal).
  PERFORM pg_current_xact_id();
  NEW."seq" := nextval('audit_log_seq_seq');
  -- The time the row was sequenced. Concurrent writers may interleave by microseconds,
  -- so time follows seq only approximately; the chain order is seq.
  NEW."occurred_at" := date_trunc('microseconds', clock_timestamp());
  NEW."prev_hash" := NULL;
  NEW."hash" := NULL;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "audit_log_sequence" BEFORE INSERT ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_sequence();

-- The same canonical text as before, without the SET search_path clause: a function
-- with a SET clause is never inlined, and the call cost ~40 us per row, most of the
-- sealer's time. A RETURN-body function binds the names it uses (audit_field) when it is
-- created, so it needs no search_path when called.
CREATE OR REPLACE FUNCTION audit_canonical(r "audit_log") RETURNS text
  LANGUAGE sql STABLE
  RETURN concat_ws('|',
    audit_field(r.seq::text),
    audit_field(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
    audit_field(r.actor_type), audit_field(r.actor_id), audit_field(r.actor_label),
    audit_field(r.action), audit_field(r.target_type), audit_field(r.target_id),
    audit_field(r.summary), audit_field(r.changes::text), audit_field(r.metadata::text),
    audit_field(r.request_id), audit_field(r.ip), audit_field(r.user_agent),
    audit_field(r.prev_hash));

-- The last seq handed out (sequences are not transactional: this sees draws by
-- transactions still running).
CREATE FUNCTION audit_last_drawn() RETURNS bigint
  LANGUAGE sql VOLATILE
  SET search_path FROM CURRENT
  RETURN (SELECT CASE WHEN "is_called" THEN "last_value" ELSE "last_value" - 1 END FROM "audit_log_seq_seq");

-- Seals up to max_rows rows into the chain, in seq order. Returns how many it sealed,
-- sealed_through (every seq up to it is final and, if the row exists, sealed) and the
-- last seq drawn (more to do while drawn > sealed_through).
--
-- Why the point is safe: a writer takes its xid, then draws seq s. The sealer reads W
-- (the last seq drawn), then takes its own xid X. Sequences only grow, so s <= W means
-- s was drawn before W was read, hence the writer's xid existed before X was assigned:
-- it is < X. Once a snapshot's xmin is >= X, no transaction older than X is running, so
-- every row with seq <= W is committed (visible) or rolled back (a gap) for good. (A
-- snapshot's xmax is not enough: it is one past the latest *completed* xid, and a
-- running writer's xid may be above it.) The pair (W, X) is kept in the chain head as
-- pending_seq/pending_xid when it is not yet final, so whichever sealer runs next (in
-- any process) can use it; pending_xid = 0 marks a pending_seq already known final.
-- Only the sealer writes the head, under pg_try_advisory_xact_lock, so two sealers
-- never interleave; a sealer that does not get the lock returns at once.
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
  -- X must be assigned after W is read: in a transaction that already has an xid (it
  -- wrote something), that xid may be older than writers holding seqs up to W.
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'audit_seal() must run in a transaction that has written nothing (call it on its own)'
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  IF NOT pg_try_advisory_xact_lock(1096107348, hashtext(current_schema())) THEN
    RETURN QUERY SELECT 0, hd."sealed_through", audit_last_drawn() FROM "audit_chain_head" hd WHERE hd."id" = 1;
    RETURN;
  END IF;
  -- A plain read: nothing else writes the head, and taking a row lock would assign our
  -- xid before W is read.
  SELECT * INTO STRICT h FROM "audit_chain_head" WHERE "id" = 1;
  w := audit_last_drawn();
  IF w <= h."sealed_through" THEN
    RETURN QUERY SELECT 0, h."sealed_through", w;
    RETURN;
  END IF;
  x := pg_current_xact_id()::text::bigint; -- assigned now, after W was read
  xmin_now := pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
  pending_final := h."pending_seq" IS NOT NULL AND xmin_now >= h."pending_xid";
  IF xmin_now >= x THEN
    target := w;            -- nothing older than us is running: all of W is final
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
      -- The only UPDATE the row guard lets through (audit_guard_update).
      PERFORM set_config('audit.sealing', 'on', true);
      UPDATE "audit_log" a SET "prev_hash" = v.p, "hash" = v.h
        FROM unnest(seqs, prevs, hashes) AS v(s, p, h)
       WHERE a."seq" = v.s;
      PERFORM set_config('audit.sealing', '', true);
    END IF;
  END IF;

  IF n >= max_rows THEN
    -- Stopped early: sealed through the last row done; the rest up to target is final.
    new_through := last_seq;
    new_pending_seq := target;
    new_pending_xid := 0;
  ELSE
    new_through := target;
    IF w <= new_through THEN
      new_pending_seq := NULL;
      new_pending_xid := NULL;
    ELSIF h."pending_seq" IS NOT NULL AND NOT pending_final THEN
      new_pending_seq := h."pending_seq"; -- keep the older candidate: it is final sooner
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

-- UPDATE of an audit row: refused, except the seal itself, which only fills prev_hash and
-- hash of an unsealed row (once, from NULL) under the transaction-local flag that
-- audit_seal sets; every other column must stay as written. Sealed rows never change.
-- (The application role has no UPDATE privilege on audit_log at all; audit_seal is
-- SECURITY DEFINER.)
-- No SET search_path: it names no table, and a SET clause costs a GUC save and restore
-- on every row the sealer updates.
CREATE FUNCTION audit_guard_update() RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  unchanged record; -- not "audit_log": without a pinned search_path the name would not resolve
BEGIN
  IF current_setting('audit.sealing', true) = 'on'
     AND OLD."hash" IS NULL AND OLD."prev_hash" IS NULL
     AND NEW."hash" IS NOT NULL AND NEW."prev_hash" IS NOT NULL THEN
    -- Every column but the two (whatever columns the table has) as it was.
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

-- The retention purge may delete only sealed rows (unsealed ones are not in any archive).
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  purge_to bigint := nullif(current_setting('audit.purge_through_seq', true), '')::bigint;
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' AND purge_to IS NOT NULL AND OLD."seq" <= purge_to
     AND OLD."hash" IS NOT NULL
     AND EXISTS (SELECT 1 FROM "audit_retention_anchor" WHERE "seq" = purge_to) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit log rows are immutable: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER "audit_log_immutable" ON "audit_log";
CREATE TRIGGER "audit_log_immutable" BEFORE DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER "audit_log_seal_only" BEFORE UPDATE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_guard_update();

