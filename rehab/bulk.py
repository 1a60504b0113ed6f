"""Writing many rows fast: ids reserved from a table's sequence, rows written with COPY.

For jobs that write tens of thousands of rows at once (nightly scoring, escalations): Django's
``bulk_create`` builds a model instance per row and, on PostgreSQL, sends every column as an array,
which costs more than the work itself at that size. Here rows are plain tuples in the columns' order;
PostgreSQL gets them by ``COPY ... FROM STDIN`` (psycopg adapts each value: dates, datetimes,
``None``), other databases by ``executemany`` after the fields' own conversion. JSON columns are
given as JSON text, serialised once by the caller (often the same text for many rows).

Ids are reserved first so rows can point at each other (a flag at its score) without reading
anything back. Callers run inside their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` consecutive ids for new rows of ``model``, taken from its sequence (PostgreSQL) or
    after the largest id (other databases, where the caller's transaction must hold the table)."""
    if count <= 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement moves the sequence past the block: concurrent writers get other ids.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table name)
        first = cursor.fetchone()[0] + 1
        return range(first, first + count)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, database column names) into ``model``'s table."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        fields = {field.column: field for field in model._meta.concrete_fields}
        prepare = [
            None if isinstance(fields[column], models.JSONField) else fields[column].get_db_prep_save for column in columns
        ]
        placeholders = ", ".join(["%s"] * len(columns))
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(
                [value if to_db is None else to_db(value, connection) for to_db, value in zip(prepare, row, strict=True)]
            )
            if len(batch) == 1000:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)  # noqa: S608
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)  # noqa: S608
            written += len(batch)
    return written
