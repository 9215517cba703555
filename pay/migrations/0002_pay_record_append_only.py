from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION pay_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pay_payrecord is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER pay_payrecord_append_only
BEFORE UPDATE OR DELETE ON pay_payrecord
FOR EACH ROW EXECUTE FUNCTION pay_record_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS pay_payrecord_append_only ON pay_payrecord;
DROP FUNCTION IF EXISTS pay_record_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("pay", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
