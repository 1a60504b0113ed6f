"""The administrator keeps the reference data and the accounts; no role is above the rules. A superuser
flag grants nothing: the demo's administrator has it and still reads no case and changes none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rehab.cases.models import Case, CaseState, ContactNote
from rehab.cases.services import note_add
from rehab.core.errors import ApplicationError
from rehab.reference.models import Role
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def test_the_administrator_reads_no_case_and_writes_none(client, officer, admin_user):
    assert admin_user.is_superuser
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    assert not Case.objects.visible_to(admin_user).exists()
    for perm in ("cases.read_case", "cases.work_on_case", "cases.supervise_case"):
        assert not admin_user.has_perm(perm, case), perm
    with pytest.raises(ApplicationError):
        note_add(case=case, by=admin_user, kind="phone", contacted_at=timezone.now() - timedelta(hours=1), text="x")
    assert not ContactNote.objects.exists()
    client.force_login(admin_user)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("referrals:plan", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:caseload")).status_code == 403


def test_the_administrator_keeps_reference_data_and_accounts_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    for path in ("/admin/reference/office/", "/admin/reference/user/", "/admin/reference/publicholiday/add/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/audit/auditevent/").status_code == 200  # read-only
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_staff_status_without_the_administrator_role_opens_nothing_in_the_admin(client, officer):
    officer.is_staff = True
    officer.is_superuser = True
    officer.save()
    client.force_login(officer)
    assert client.get("/admin/reference/office/").status_code == 403
    manager = make_user(Role.MANAGER, is_staff=True)
    client.force_login(manager)
    assert client.get("/admin/reference/user/").status_code == 403
