"""Every page that shows a person's data leaves an audit event of the read (PDPA): the case and its plan,
assessment and hand-off form, the hand-off, the lists of cases and hand-offs, the inbox and its export,
the office's flags. A test walks every URL pattern so that a new page cannot be forgotten."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rehab.audit.models import AuditEvent
from tests.factories import send_to_employment
from tests.urlwalk import url_patterns

pytestmark = pytest.mark.django_db

# The pages that show a person's data, with who reads them: (url name, arguments, reader).
PERSONAL_PAGES = [
    ("cases:caseload", "none", "officer"),
    ("cases:office", "none", "supervisor"),
    ("cases:detail", "case", "officer"),
    ("cases:assessment", "case", "officer"),
    ("referrals:plan", "case", "officer"),
    ("referrals:handoff_new", "stage", "officer"),
    ("referrals:case_handoffs_json", "case", "officer"),
    ("referrals:sent", "none", "officer"),
    ("referrals:handoff_detail", "handoff", "employment_staff"),
    ("referrals:inbox", "none", "employment_staff"),
    ("referrals:inbox_export", "none", "employment_staff"),
    ("analytics:office_flags", "none", "supervisor"),
]
# GET pages that show nobody's data (or only the reader's own), and the actions (POST only).
NOT_PERSONAL = {
    "home", "login", "logout", "healthz", "notifications:list", "audit:trail", "analytics:model_list",
    "analytics:model_card", "cases:intake", "cases:note_add", "cases:transition", "cases:reoffence_add",
    "cases:reassign", "cases:appointment_new", "cases:appointment_mark", "referrals:stage_add",
    "referrals:plan_no_needs", "referrals:stage_discontinue", "referrals:consent_add", "referrals:consent_withdraw",
    "referrals:appointment_new", "referrals:handoff_act", "analytics:flag_act", "analytics:model_decide",
}  # fmt: skip


def test_every_url_pattern_is_classified():
    """A new page must be put in one list or the other (and, if it shows a person, be audited)."""
    names = {pattern.name for _route, pattern in url_patterns() if pattern.name and pattern.name != "set_language"}
    classified = {name.split(":")[-1] for name in NOT_PERSONAL | {name for name, _args, _reader in PERSONAL_PAGES}}
    assert names <= classified, sorted(names - classified)


@pytest.mark.parametrize(("name", "args", "reader"), PERSONAL_PAGES)
def test_each_read_of_personal_data_is_audited(client, request, officer, employment_staff, name, args, reader):
    handoff = send_to_employment(officer)
    arguments = {
        "none": [],
        "case": [handoff.case_id],
        "stage": [handoff.case_id, handoff.stage_id],
        "handoff": [handoff.pk],
    }[args]
    user = request.getfixturevalue(reader)
    client.force_login(user)
    before = AuditEvent.objects.filter(actor=user, action__in=["view", "export"]).count()
    response = client.get(reverse(name, args=arguments))
    assert response.status_code == 200
    after = AuditEvent.objects.filter(actor=user, action__in=["view", "export"]).count()
    assert after == before + 1, f"{name} shows personal data but left {after - before} audit events"
