"""rows_insert writes rows (COPY on PostgreSQL) that read back exactly like rows Django wrote."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from django.db import connection
from django.utils import timezone

from rehab.core.bulk import query_frame, rows_insert
from rehab.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_rows_written_in_bulk_read_back_like_rows_django_wrote(officer, supervisor):
    awkward = {"number": "HO-00000001", "note": 'ไม่มีที่ว่าง \\ "quoted"\ttab\nline\r', "n": [1, None, True]}
    now = timezone.now()
    by_django = Notification.objects.create(
        user=officer, kind="handoff_new", params=awkward, link="/handoffs/1/\t", created_at=now
    )
    written = rows_insert(
        Notification,
        ("user_id", "kind", "params", "link", "created_at", "read_at"),
        [(supervisor.pk, "handoff_new", awkward, "/handoffs/1/\t", now, None), (officer.pk, "handoff_new", {}, "", now, now)],
    )
    assert written == 2
    bulk, empty = Notification.objects.exclude(pk=by_django.pk).order_by("id")
    assert (bulk.params, bulk.link, bulk.read_at) == (awkward, "/handoffs/1/\t", None)
    assert abs(bulk.created_at - now) < timedelta(seconds=5)  # SQLite's bulk_create stamps auto_now_add itself
    assert (empty.params, empty.read_at) == ({}, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT params::text FROM notifications_notification WHERE id IN (%s, %s)", [by_django.pk, bulk.pk])
            assert len({text for (text,) in cursor.fetchall()}) == 1


def test_an_empty_batch_writes_nothing(officer):
    assert rows_insert(Notification, ("user_id", "kind", "params", "link", "created_at"), iter(())) == 0
    assert not Notification.objects.exists()


def test_reserved_ids_floats_and_preserialised_json(officer):
    from analytics.models import RiskModelVersion, RiskScore
    from rehab.core.bulk import JSONText, reserve_ids
    from tests.factories import make_case

    case = make_case(officer=officer)
    version = RiskModelVersion.objects.create(
        version=1, kind="logistic", horizon_days=365, data_from="2024-01-01", data_to="2025-01-01", rows=10, artifact=b"x"
    )
    first, second = reserve_ids(RiskScore, 2)
    assert second == first + 1 and list(reserve_ids(RiskScore, 0)) == []
    reasons = '[{"feature":"age_at_release","direction":"raises","en":"age 19-22","th":"อายุ 19-22 ปี"}]'
    rows_insert(
        RiskScore,
        ("id", "case_id", "model_version_id", "as_of", "probability", "tier", "reasons", "features_sha256", "created_at"),
        [(second, case.pk, version.pk, timezone.localdate(), 0.1 + 0.2, "low", JSONText(reasons), "ab", timezone.now())],
    )
    score = RiskScore.objects.get(pk=second)
    assert score.probability == 0.1 + 0.2 and score.reasons[0]["th"] == "อายุ 19-22 ปี"
    assert reserve_ids(RiskScore, 1)[0] > second


def test_query_frame_reads_rows_with_nulls_empty_texts_and_codes(officer, supervisor):
    now = timezone.now()
    rows_insert(
        Notification,
        ("user_id", "kind", "params", "link", "created_at", "read_at"),
        [(officer.pk, "handoff_new", {}, "", now, None), (supervisor.pk, "handoff_new", {}, "10", now, now)],
    )
    query = Notification.objects.order_by("user_id").values_list("user_id", "link", "read_at")
    frame = query_frame(query, ["user", "link", "read_at"], text=["link"])
    assert frame["user"].tolist() == sorted([officer.pk, supervisor.pk])
    links = dict(zip(frame["user"], frame["link"], strict=True))
    assert (links[officer.pk], links[supervisor.pk]) == ("", "10")  # empty stays empty, a code stays text
    read = dict(zip(frame["user"], frame["read_at"], strict=True))
    assert pd.isna(read[officer.pk]) and pd.to_datetime(read[supervisor.pk], utc=True) == now
    assert query_frame(Notification.objects.filter(pk__in=[]).values_list("pk"), ["id"]).empty
    assert query_frame(Notification.objects.filter(pk=-1).values_list("pk"), ["id"]).empty


def test_array_text_is_a_postgresql_array_literal():
    from datetime import date

    from rehab.core.bulk import array_text

    assert array_text([3, 1, 2]) == "{3,1,2}" and array_text([]) == "{}"
    assert array_text(iter([date(2026, 11, 26), date(2027, 1, 2)])) == "{2026-11-26,2027-01-02}"


def test_the_bulk_paths_work_with_the_debug_cursor_of_DEBUG_on(officer):
    """`make run` serves with DEBUG on, where Django wraps every cursor in its debug cursor: COPY with
    parameters must still work there (it broke every rescore after a model was approved)."""
    from django.test.utils import CaptureQueriesContext

    from rehab.notifications.models import Notification as Note

    with CaptureQueriesContext(connection):  # what DEBUG switches on: the debug cursor
        rows_insert(Note, ("user_id", "kind", "params", "link", "created_at"), [(officer.pk, "x", {}, "", timezone.now())])
        frame = query_frame(
            Note.objects.filter(user_id=officer.pk, kind="x").values_list("id", "kind"), ["id", "kind"], text=["kind"]
        )
    assert list(frame["kind"]) == ["x"]
