-- hand-written: the database side of account_tokens (lib/accounts).
ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_purpose_check" CHECK ("purpose" IN ('password_reset', 'email_change'));

-- Audited like the invitations (token_hash redacted by audit_redact).
CREATE TRIGGER "account_tokens_audit" AFTER INSERT OR UPDATE OR DELETE ON "account_tokens"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('account_token');
CREATE TRIGGER "account_tokens_no_truncate" BEFORE TRUNCATE ON "account_tokens" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
