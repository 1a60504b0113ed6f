"""Indexes PostgreSQL needs at scale and SQLite cannot express (PostgreSQL only).

The office list sorted by "longest without contact first" reads (office, last_contact_at NULLS
FIRST, id) instead of sorting the whole office.

Trigram indexes for searching people by any part of their names.

The caseload's search is ``icontains``, which PostgreSQL runs as ``UPPER(col::text) LIKE UPPER(%s)``;
these GIN indexes on the same expressions let it find a name among a million people without a
scan (docs/benchmarks.md). pg_trgm is a trusted extension: the database owner may create it.
SQLite (the newcomer's default) searches the few demo rows directly.
"""

from django.db import migrations

COLUMNS = ("first_name_th", "last_name_th", "first_name_en", "last_name_en")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_office_contact ON cases_case (office_id, last_contact_at ASC NULLS FIRST, id)",
        params=None,
    )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS person_{column}_trgm ON cases_person USING gin ((UPPER({column}::text)) gin_trgm_ops)",
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_office_contact", params=None)
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS person_{column}_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
