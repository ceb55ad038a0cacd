-- hand-written: constraints and audit triggers for organization memberships.

ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_role_check" CHECK ("role" IN ('org_admin', 'member'));
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_name_check" CHECK (length("name") BETWEEN 1 AND 100);

CREATE TRIGGER "organization_members_audit" AFTER INSERT OR UPDATE OR DELETE ON "organization_members"
  FOR EACH ROW EXECUTE FUNCTION audit_row_change('organization_member');
CREATE TRIGGER "organization_members_no_truncate" BEFORE TRUNCATE ON "organization_members" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
