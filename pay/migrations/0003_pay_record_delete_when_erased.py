"""Pay records stay append-only, except that the retention sweep may delete those of a person
whose data was erased (culture.privacy): the trigger lets a DELETE through only for them."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION pay_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM culture_person WHERE id = OLD.person_id AND erased_at IS NOT NULL
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'pay_payrecord is append-only';
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION pay_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'pay_payrecord is append-only';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pay", "0002_pay_record_append_only"),
        ("culture", "0005_person_left_erased_retention"),
    ]
    operations = [migrations.RunSQL(SQL, REVERSE)]
