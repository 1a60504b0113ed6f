"""Repeated failed logins lock the account and the address, and the lockout is audited; a correct
password within the limit resets the count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rehab.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "a-good-test-password"


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one_then(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, officer.username, "wrong-password").status_code == 200
    assert _login(client, officer.username, "wrong-password").status_code == 429  # the fifth locks
    response = _login(client, officer.username, PASSWORD)
    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account is locked, not only the address.
    assert _login(client, officer.username, PASSWORD, address="10.0.0.2").status_code == 429
    assert AuditEvent.objects.filter(action="login_failed", detail__locked_out=True, actor_username=officer.username).exists()


def test_one_address_trying_many_accounts_is_locked(client, officer, colleague, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{attempt}", "wrong-password", address="10.9.9.9")
    assert _login(client, colleague.username, PASSWORD, address="10.9.9.9").status_code == 429
    assert _login(client, colleague.username, PASSWORD, address="10.0.0.3").status_code == 302


def test_a_correct_login_resets_the_count(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, officer.username, "wrong-password")
    assert _login(client, officer.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, officer.username, "wrong-password")
    assert _login(client, officer.username, PASSWORD).status_code == 302


def test_the_administrator_unlocks_in_the_admin(client, officer, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, officer.username, "wrong-password")
    client.force_login(admin_user)
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()  # what "delete" in that admin list does
    client.logout()
    assert _login(client, officer.username, PASSWORD).status_code == 302
