from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete an audit event, whatever the code path.
CREATE = """
CREATE OR REPLACE FUNCTION cxcoe_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cxcoe_audit_append_only BEFORE UPDATE OR DELETE ON cxcoe_auditevent
    FOR EACH ROW EXECUTE FUNCTION cxcoe_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS cxcoe_audit_append_only ON cxcoe_auditevent;
DROP FUNCTION IF EXISTS cxcoe_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cxcoe", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
