"""Sessions end after 30 idle minutes and after a working day, whatever happens; a password change signs the
other sessions out; a busy user's pages do not each write the session back."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from rehab.reference.middleware import LAST_SEEN, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _age(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_the_defaults_are_30_idle_minutes_and_10_hours():
    assert (settings.SESSION_IDLE_SECONDS, settings.SESSION_ABSOLUTE_SECONDS) == (30 * 60, 10 * 3600)
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_30_idle_minutes_sign_out(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:caseload")).status_code == 200
    _age(client, LAST_SEEN, 29 * 60)
    assert client.get(reverse("cases:caseload")).status_code == 200  # 29 minutes: still there, and seen again now
    _age(client, LAST_SEEN, settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("cases:caseload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_session_older_than_a_working_day_signs_out_however_busy(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:caseload")).status_code == 200
    _age(client, SIGNED_IN_AT, settings.SESSION_ABSOLUTE_SECONDS + 1)
    response = client.get(reverse("cases:caseload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("cases:caseload")).status_code == 302


def test_pages_within_a_minute_do_not_write_the_session(client, officer, django_assert_num_queries):
    client.force_login(officer)
    client.get(reverse("notifications:list"))
    with django_assert_num_queries(4):  # session, user, the list, the unread count: no session write
        client.get(reverse("notifications:list"))


def test_a_password_change_signs_out_the_other_sessions(client, officer):
    from django.test import Client

    other = Client()
    other.force_login(officer)
    client.force_login(officer)
    officer.set_password("another-good-password-2")
    officer.save()
    assert other.get(reverse("cases:caseload")).status_code == 302
