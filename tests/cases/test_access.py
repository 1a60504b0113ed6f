"""Nobody sees a case they have no business with: someone else's case answers 404, a page outside
one's role answers 403, and the rules agree with the query every list starts from."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rehab.audit.models import AuditEvent
from rehab.cases.models import Case, CaseState
from rehab.reference.models import Role
from tests.factories import make_case, make_user

pytestmark = pytest.mark.django_db


def case_urls(case: Case) -> list[tuple[str, str]]:
    return [
        ("get", reverse("cases:detail", args=[case.pk])),
        ("get", reverse("cases:assessment", args=[case.pk])),
        ("post", reverse("cases:assessment", args=[case.pk])),
        ("post", reverse("cases:note_add", args=[case.pk])),
        ("post", reverse("cases:reassign", args=[case.pk])),
        *[
            ("post", reverse("cases:transition", args=[case.pk, name]))
            for name in ("start_assessment", "activate", "suspend", "resume", "complete", "reoffend", "close")
        ],
    ]


def test_officer_b_gets_404_on_every_url_of_officer_as_case(client, officer, colleague):
    case = make_case(officer=officer, state=CaseState.ASSESSMENT)
    client.force_login(colleague)
    for method, url in case_urls(case):
        response = getattr(client, method)(url, {"version": case.version, "reason": "x", "text": "x"})
        assert response.status_code == 404, (method, url)
    assert Case.objects.get(pk=case.pk).state == CaseState.ASSESSMENT
    assert not case.notes.exists() and not case.assessments.exists()


def test_another_offices_supervisor_gets_404(client, officer, other_supervisor):
    case = make_case(officer=officer)
    client.force_login(other_supervisor)
    for method, url in case_urls(case):
        assert getattr(client, method)(url, {"version": 1}).status_code == 404, (method, url)


@pytest.mark.parametrize("role", [Role.AGENCY_STAFF, Role.EMPLOYER, Role.MANAGER, Role.AUDITOR])
def test_roles_without_a_caseload_get_403_on_case_lists_and_404_on_cases(client, officer, role):
    case = make_case(officer=officer)
    client.force_login(make_user(role))
    for name in ("cases:caseload", "cases:intake", "cases:office"):
        assert client.get(reverse(name)).status_code == 403, name
    for method, url in case_urls(case):
        assert getattr(client, method)(url, {"version": 1}).status_code == 404, (method, url)


def test_only_auditors_and_admins_read_the_audit_trail(client, officer, other_roles, admin_user):
    client.force_login(officer)
    assert client.get(reverse("audit:trail")).status_code == 403
    client.force_login(other_roles[Role.AUDITOR])
    assert client.get(reverse("audit:trail")).status_code == 200
    client.force_login(admin_user)
    assert client.get(reverse("audit:trail")).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, officer):
    case = make_case(officer=officer)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_denied_case_view_is_audited(client, officer, colleague):
    case = make_case(officer=officer)
    client.force_login(colleague)
    client.get(reverse("cases:detail", args=[case.pk]))
    event = AuditEvent.objects.get(actor=colleague, object_id=str(case.pk))
    assert event.outcome == "denied" and event.ip_address == "127.0.0.1"


def test_the_rules_and_the_caseload_query_agree_for_every_role(
    officer, colleague, supervisor, other_supervisor, other_roles, admin_user, other_office
):
    cases = [
        make_case(officer=officer),
        make_case(officer=colleague),
        make_case(officer=None, office=officer.office),
        make_case(officer=make_user(Role.OFFICER, office=other_office)),
    ]
    users = [officer, colleague, supervisor, other_supervisor, admin_user, *other_roles.values()]
    for user in users:
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        for case in cases:
            assert (case.pk in visible) == user.has_perm("cases.read_case", case), (user.username, case.pk)
    assert set(Case.objects.visible_to(officer).values_list("pk", flat=True)) == {cases[0].pk}
    assert set(Case.objects.visible_to(supervisor).values_list("pk", flat=True)) == {c.pk for c in cases[:3]}


def test_an_inactive_user_sees_nothing(officer):
    make_case(officer=officer)
    officer.is_active = False
    assert not Case.objects.visible_to(officer).exists()
