"""Writing many rows at once: ids reserved from a table's sequence, rows sent with COPY.

For jobs that write tens or hundreds of thousands of rows (nightly scoring, the escalations of a
catch-up run): ``bulk_create`` builds a model instance per row and, on PostgreSQL, sends every column
as an array that psycopg assembles value by value, which costs more than the work itself at that
size. Here rows are plain tuples; PostgreSQL gets them by COPY in its text format, written by hand.
Elsewhere (SQLite, which ``make run`` uses) they go through ``bulk_create``.

Ids can be reserved first (``reserve_ids``) so that rows point at each other (a flag at its score)
without reading anything back. Callers run inside their own transaction.

Reading many rows at once (``query_frame``): a query's rows come into a pandas DataFrame by
``COPY (query) TO STDOUT`` on PostgreSQL, parsed by pandas' C reader rather than a Python object per value.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import islice
from typing import Any

import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.expressions import RawSQL


class JSONText(str):
    """A JSON value already serialised (e.g. formatted once for many rows): written as it is."""

    __slots__ = ()


def ids_in(ids: Sequence[int]) -> Any:
    """The right side of an ``__in`` over many ids: on PostgreSQL one array parameter (thousands of
    placeholders cost more to build, send and plan than the query itself), elsewhere the list."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (array_text(ids),))
    return list(ids)


def array_text(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of integers or dates (``{1,2,3}``), to pass as one text parameter cast to
    ``bigint[]`` or ``date[]``: psycopg adapts a list of a million numbers one Python call at a time
    (5 s for the nightly scoring's), this is one ``join``. Only for values whose text needs no quoting."""
    return "{" + ",".join(map(str, values)) + "}"


def reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` consecutive ids for new rows of ``model``: taken from its sequence on PostgreSQL (one
    statement moves it past the block, so concurrent writers get other ids), after the largest id
    elsewhere (where the caller's transaction holds the database)."""
    if count <= 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table)
        first = cursor.fetchone()[0] + 1
        return range(first, first + count)


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert ``rows`` (Python values in ``columns`` order, by attribute name) into ``model``'s table
    in order; return how many.

    Returns no primary keys: callers that need them reserve them first (``reserve_ids``) and pass ``id``. On PostgreSQL no model
    code runs (``save``, signals, ``auto_now_add``), so pass every value the row needs. Database triggers do
    run: COPY is an INSERT, so the append-only tables accept it. ``rows`` may be a generator: on
    PostgreSQL it is consumed while COPY sends what came before, so do not query in it."""
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create(
            [
                model(
                    **{
                        name: json.loads(value) if isinstance(value, JSONText) else value
                        for name, value in zip(columns, row, strict=True)
                    }
                )
                for row in rows
            ],
            batch_size=1000,
        )
        return len(objs)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    formats = [_column_format(fields[name]) for name in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[name].column or name) for name in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    count = 0
    rows = iter(rows)
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        # A thousand rows at a time, a column at a time: each column's values are formatted by one call.
        while batch := list(islice(rows, 1000)):
            texts = [text(values) for text, values in zip(formats, zip(*batch, strict=True), strict=True)]
            copy.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
            count += len(batch)
    return count


# COPY's text format (https://www.postgresql.org/docs/current/sql-copy.html): tab-separated columns,
# \N for NULL, and a backslash escapes a backslash, tab, newline or carriage return in a value.
NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escaped(value: str) -> str:
    if _SPECIAL.search(value) is None:  # nearly always: codes, numbers, hashes
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_format(field: models.Field) -> Callable[[Any], str]:
    """How a value of ``field`` is written in COPY's text format: what Django would store, written by hand
    because psycopg's ``write_row`` costs several times more per row."""
    if isinstance(field, models.ForeignKey):
        return _copy_format(field.target_field)
    if isinstance(field, models.IntegerField | models.AutoField):
        return lambda value: str(int(value))
    if isinstance(field, models.FloatField):
        return lambda value: repr(float(value))
    if isinstance(field, models.BooleanField):
        return lambda value: "t" if value else "f"
    if isinstance(field, models.JSONField):
        dumps = partial(json.dumps, cls=field.encoder) if field.encoder else json.dumps  # as adapt_json_value does
        return lambda value: _escaped(value if isinstance(value, JSONText) else dumps(value))
    if isinstance(field, models.DateTimeField):  # aware, as Django stores them with USE_TZ: the offset is written
        return lambda value: value.isoformat()
    if isinstance(field, models.DateField):
        return lambda value: value.isoformat()
    if isinstance(field, models.CharField | models.TextField):
        return lambda value: _escaped(str(value))
    raise TypeError(f"rows_insert cannot write {field.__class__.__name__} {field.name}: add its COPY text here")


def _column_format(field: models.Field) -> Callable[[Sequence[Any]], list[str]]:
    """The COPY texts of a column's values (``_copy_format``), NULL for None. Numbers go through ``map``;
    other values reuse the text of the row before when it holds the same object, as rows of one batch
    often do (the time, the kind, the message to several users): so do not change a value in place
    between rows."""
    text = _copy_format(field)
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.IntegerField | models.AutoField | models.FloatField):
        number = int if isinstance(target, models.IntegerField | models.AutoField) else float
        plain = str if number is int else repr

        def numbers(values: Sequence[Any]) -> list[str]:
            if None in values:
                return [NULL if value is None else text(value) for value in values]
            return list(map(plain, map(number, values)))

        return numbers

    def remembered(values: Sequence[Any]) -> list[str]:
        out = []
        last_value: Any = object()
        last_text = ""
        for value in values:
            if value is not last_value:
                last_value, last_text = value, NULL if value is None else text(value)
            out.append(last_text)
        return out

    return remembered


def query_frame(queryset: models.QuerySet[Any], columns: Sequence[str], *, text: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of ``queryset`` (a ``values_list`` or ``values`` query) as a DataFrame with these column names;
    the ``text`` columns are kept as text even when they look like numbers (codes).

    The values are the database's own, unconverted: numbers, text, and dates and times as ISO text
    (``2026-11-25``, ``2026-11-25 03:00:00+00`` on PostgreSQL, without the offset on SQLite, both UTC);
    NULL is missing (NaN, None in text columns). On PostgreSQL the rows come by ``COPY ... TO STDOUT``
    in its text format, so an empty text stays an empty text; elsewhere through the cursor."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``__in`` an empty list: no query to run
        return pd.DataFrame(columns=list(columns))
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=list(columns))
            for name in text:
                frame[name] = frame[name].map(lambda value: value if value is None else str(value))
            return frame
        buffer = io.BytesIO()
        # psycopg's own cursor: Django's debug cursor (DEBUG on, as under `make run`) takes no parameters for COPY.
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            for data in copy:
                buffer.write(data)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame(columns=list(columns))
    # The text format escapes a backslash, tab or newline inside a value; the columns read here are
    # numbers, dates and codes, which have none, so the values are read as they are.
    return pd.read_csv(
        buffer,
        sep="\t",
        header=None,
        names=list(columns),
        na_values=[NULL],
        keep_default_na=False,
        quoting=3,  # csv.QUOTE_NONE: COPY's text format has no quotes
        dtype=dict.fromkeys(text, str),
    )
