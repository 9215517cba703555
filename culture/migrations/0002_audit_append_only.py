from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION culture_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'culture_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER culture_auditevent_append_only
BEFORE UPDATE OR DELETE ON culture_auditevent
FOR EACH ROW EXECUTE FUNCTION culture_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS culture_auditevent_append_only ON culture_auditevent;
DROP FUNCTION IF EXISTS culture_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("culture", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
