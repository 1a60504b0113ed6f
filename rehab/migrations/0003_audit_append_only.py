"""Make the audit trail append-only in the database itself (PostgreSQL), so that even code or a
person going around the application cannot rewrite history without dropping the trigger."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION rehab_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rehab_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rehab_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON rehab_auditevent
    FOR EACH ROW EXECUTE FUNCTION rehab_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS rehab_auditevent_no_update_delete ON rehab_auditevent;
DROP FUNCTION IF EXISTS rehab_auditevent_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("rehab", "0002_reference_data")]

    operations = [migrations.RunPython(create, drop)]
