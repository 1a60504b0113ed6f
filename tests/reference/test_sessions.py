"""Sessions end after 30 idle minutes and after a working day, whatever happens; the settings say so."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.urls import reverse

from rehab.reference.middleware import SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def test_a_session_idles_out_after_30_minutes_and_ends_when_the_browser_closes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_older_than_a_working_day_signs_out(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:caseload")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("cases:caseload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("cases:caseload")).status_code == 302


def test_a_password_change_signs_out_the_other_sessions(client, officer):
    from django.test import Client

    other = Client()
    other.force_login(officer)
    client.force_login(officer)
    officer.set_password("another-good-password-2")
    officer.save()
    assert other.get(reverse("cases:caseload")).status_code == 302
