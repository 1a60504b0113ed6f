"""Notifications are written in the reader's language when read, from the codes the sender kept."""

from __future__ import annotations

import pytest
from django.utils import translation

from rehab.notifications.kinds import render
from rehab.notifications.models import Notification
from rehab.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_a_kind_registered_by_its_app_renders_its_codes_in_the_readers_language(officer):
    notify(user_ids=[officer.pk, officer.pk], kind="handoff_completed", params={"number": "HO-00000042", "outcome": "placed"})
    [note] = Notification.objects.filter(user=officer)
    with translation.override("en"):
        assert note.text == "HO-00000042 was completed: Placed in a job."
    with translation.override("th"):
        assert "HO-00000042" in note.text and "Placed in a job" not in note.text


def test_dates_are_shown_in_the_readers_era():
    with translation.override("th"):
        assert "2569" in render("overdue_respond", {"number": "HO-1", "date": "2026-12-01"})
    with translation.override("en"):
        assert "2026" in render("overdue_respond", {"number": "HO-1", "date": "2026-12-01"})


def test_an_unknown_kind_still_says_something():
    assert "retired_kind" in render("retired_kind", {})
