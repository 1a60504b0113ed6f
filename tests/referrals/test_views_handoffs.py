"""The hand-off pages: each side sees only its own, agency staff see the projection and never the
offence or health details without consent, and bad input loses nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rehab.cases.models import Assessment, AssessmentNeed, CaseState
from rehab.reference.models import Role
from rehab.referrals.models import Handoff, HandoffState, StageState
from rehab.referrals.services import consent_record, consent_withdraw, handoff_accept, handoff_send
from tests.factories import make_case, make_stage, make_user, offer, partner_office, send_to_employment

pytestmark = pytest.mark.django_db

OFFENCE_LABEL = "Violence against the person"
HEALTH_NOTE = "methamphetamine use, in treatment"


@pytest.fixture
def case(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE, offence_category="violent")
    assessment = Assessment.objects.create(
        case=case, author=officer, assessed_on=timezone.localdate(), finished_at=timezone.now()
    )
    AssessmentNeed.objects.create(
        assessment=assessment, domain="work", level="urgent", needs_stage=True, note="no job since release"
    )
    AssessmentNeed.objects.create(assessment=assessment, domain="health", level="some", note=HEALTH_NOTE)
    return case


@pytest.fixture
def handoff(case, officer):
    stage = make_stage(case, by=officer)
    consent_record(
        case=case, by=officer, recipient_id=partner_office().pk, categories=["offence", "health"], given_on=timezone.localdate()
    )
    return handoff_send(
        stage_id=stage.pk,
        offer_id=offer(partner_office(), "job_placement").pk,
        by=officer,
        request="ช่วยหางาน",
        shared=["contact", "needs", "offence", "health"],
    )


def handoff_urls(handoff):
    return [("get", reverse("referrals:handoff_detail", args=[handoff.pk]))] + [
        ("post", reverse("referrals:handoff_act", args=[handoff.pk, action]))
        for action in ("accept", "decline", "progress", "complete", "withdraw")
    ]


class TestAccess:
    def test_staff_of_another_unit_or_agency_get_404_everywhere(self, client, handoff, other_agency_staff):
        dopa_staff = make_user(Role.AGENCY_STAFF, office=partner_office("dopa", "10"))
        for user in (other_agency_staff, dopa_staff):
            client.force_login(user)
            for method, url in handoff_urls(handoff):
                assert getattr(client, method)(url, {"reason": "x", "text": "x", "outcome": "placed"}).status_code == 404, (
                    user,
                    url,
                )
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.SENT

    def test_another_officer_gets_404_and_agency_staff_cannot_open_the_case(self, client, handoff, colleague, employment_staff):
        client.force_login(colleague)
        assert client.get(reverse("referrals:handoff_detail", args=[handoff.pk])).status_code == 404
        client.force_login(employment_staff)
        assert client.get(reverse("cases:detail", args=[handoff.case_id])).status_code == 404
        assert client.get(reverse("referrals:plan", args=[handoff.case_id])).status_code == 404

    def test_only_agency_staff_have_an_inbox_and_only_officers_a_sender_list(
        self, client, officer, employment_staff, other_roles
    ):
        client.force_login(officer)
        assert client.get(reverse("referrals:inbox")).status_code == 403
        assert client.get(reverse("referrals:sent")).status_code == 200
        client.force_login(employment_staff)
        assert client.get(reverse("referrals:inbox")).status_code == 200
        assert client.get(reverse("referrals:sent")).status_code == 403
        for role in (Role.EMPLOYER, Role.MANAGER):
            client.force_login(other_roles[role])
            assert client.get(reverse("referrals:inbox")).status_code == 403


class TestProjection:
    def test_with_consent_the_office_sees_what_was_shared(self, client, handoff, employment_staff):
        client.force_login(employment_staff)
        html = client.get(reverse("referrals:handoff_detail", args=[handoff.pk])).content.decode()
        assert handoff.case.person.full_name in html and "no job since release" in html
        assert OFFENCE_LABEL in html and HEALTH_NOTE in html

    def test_without_consent_no_offence_or_health_field_reaches_any_page_or_export(
        self, client, handoff, officer, employment_staff
    ):
        consent_withdraw(consent_id=handoff.consent_id, by=officer, case=handoff.case)
        client.force_login(employment_staff)
        pages = [
            client.get(reverse("referrals:handoff_detail", args=[handoff.pk])),
            client.get(reverse("referrals:inbox")),
            client.get(reverse("referrals:inbox_export")),
            client.get(reverse("notifications:list")),
        ]
        for response in pages:
            body = response.content.decode("utf-8")
            assert response.status_code == 200
            for secret in (OFFENCE_LABEL, HEALTH_NOTE, "Sentence", str(handoff.case.sentence_months) + " month"):
                assert secret not in body, (response.request["PATH_INFO"], secret)
        assert "no longer in force" in pages[0].content.decode()

    def test_a_hand_off_that_shares_only_identity_shows_no_contact(self, client, case, officer, employment_staff):
        stage = make_stage(case, domain="education", by=officer)
        handoff = handoff_send(
            stage_id=stage.pk,
            offer_id=offer(partner_office("learning"), "education").pk,
            by=officer,
            request="เรียน กศน.",
            shared=[],
        )
        learning_staff = make_user(Role.AGENCY_STAFF, office=partner_office("learning"))
        client.force_login(learning_staff)
        html = client.get(reverse("referrals:handoff_detail", args=[handoff.pk])).content.decode()
        assert case.person.national_id in html and (case.person.phone or "no-phone") not in html


class TestPages:
    def test_officer_sends_from_the_plan_and_a_double_click_sends_once(self, client, case, officer):
        stage = make_stage(case, by=officer)
        client.force_login(officer)
        url = reverse("referrals:handoff_new", args=[case.pk, stage.pk])
        page = client.get(url)
        assert page.status_code == 200 and partner_office().name_en in page.content.decode()
        data = {
            "offer": offer(partner_office(), "job_placement").pk,
            "request": "หางาน",
            "shared": ["contact"],
            "idempotency_key": str(uuid.uuid4()),
            "respond_by": "",
            "complete_by": "",
        }
        first, second = client.post(url, data), client.post(url, data)
        assert first.status_code == 302 and second.status_code in (302, 400)
        assert Handoff.objects.count() == 1

    def test_a_rejected_send_keeps_what_was_typed(self, client, case, officer):
        stage = make_stage(case, by=officer)
        client.force_login(officer)
        yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
        response = client.post(
            reverse("referrals:handoff_new", args=[case.pk, stage.pk]),
            {
                "offer": offer(partner_office(), "job_placement").pk,
                "request": "หางานด่วน",
                "shared": ["contact"],
                "idempotency_key": str(uuid.uuid4()),
                "respond_by": yesterday,
                "complete_by": "",
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "cannot be in the past" in html and "หางานด่วน" in html and yesterday in html
        assert not Handoff.objects.exists()

    def test_the_receiving_office_accepts_declines_with_a_reason_and_completes(self, client, handoff, employment_staff, officer):
        client.force_login(employment_staff)
        url = lambda action: reverse("referrals:handoff_act", args=[handoff.pk, action])  # noqa: E731
        assert client.post(url("accept")).status_code == 302
        response = client.post(url("complete"), {"outcome": "", "note": "เริ่มงานแล้ว"})
        assert response.status_code == 400 and "เริ่มงานแล้ว" in response.content.decode()
        assert client.post(url("complete"), {"outcome": "placed", "note": "เริ่มงานแล้ว"}).status_code == 302
        assert handoff.stage.__class__.objects.get(pk=handoff.stage_id).state == StageState.COMPLETED
        response = client.post(url("complete"), {"outcome": "placed"})
        assert response.status_code == 409 and "already “Completed”" in response.content.decode()
        client.force_login(officer)
        html = client.get(reverse("referrals:plan", args=[handoff.case_id])).content.decode()
        assert "stage-completed" in html

    def test_declining_without_a_reason_is_refused(self, client, handoff, employment_staff):
        client.force_login(employment_staff)
        response = client.post(reverse("referrals:handoff_act", args=[handoff.pk, "decline"]), {"reason": ""})
        assert response.status_code == 400
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.SENT

    def test_the_sender_sees_the_chain_of_the_hand_off(self, client, handoff, officer, employment_staff):
        handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        client.force_login(officer)
        html = client.get(reverse("referrals:handoff_detail", args=[handoff.pk])).content.decode()
        assert html.count("✓") == 2 and 'id="ledger"' in html

    def test_the_case_json_reports_live_states(self, client, handoff, officer, employment_staff):
        client.force_login(officer)
        handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        data = client.get(reverse("referrals:case_handoffs_json", args=[handoff.case_id])).json()
        assert data["handoffs"] == [{"id": handoff.pk, "state": "accepted", "label": "Accepted", "overdue": ""}]

    def test_the_inbox_query_count_does_not_grow_with_the_inbox(
        self, client, case, officer, employment_staff, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(employment_staff)
        send_to_employment(officer)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("referrals:inbox"))
        for _ in range(30):
            send_to_employment(officer)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("referrals:inbox"))
        assert len(many) == len(few)

    def test_the_inbox_pages_its_tabs_by_their_counts(self, client, officer, employment_staff):
        for _ in range(27):
            send_to_employment(officer)
        client.force_login(employment_staff)
        first = client.get(reverse("referrals:inbox"))
        assert first.context["counts"]["new"] == 27
        assert len(first.context["page"].object_list) == 25 and "Page 1 of 2" in first.content.decode()
        second = client.get(reverse("referrals:inbox"), {"tab": "new", "page": 2})
        assert len(second.context["page"].object_list) == 2 and "Page 2 of 2" in second.content.decode()
        rows = [h.pk for h in first.context["page"].object_list] + [h.pk for h in second.context["page"].object_list]
        assert sorted(rows) == sorted(Handoff.objects.filter(state=HandoffState.SENT).values_list("pk", flat=True))
        assert "Nothing here." in client.get(reverse("referrals:inbox"), {"tab": "accepted"}).content.decode()

    def test_the_overdue_tab_lists_the_longest_overdue_first_by_the_deadline_missed(self, client, officer, employment_staff):
        today = timezone.localdate()
        late_answer, late_completion, on_time, very_late_completion = (send_to_employment(officer) for _ in range(4))
        for handoff in (late_completion, very_late_completion):
            handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        Handoff.objects.filter(pk=late_answer.pk).update(respond_by=today - timedelta(days=3))
        Handoff.objects.filter(pk=late_completion.pk).update(
            respond_by=today - timedelta(days=30), complete_by=today - timedelta(days=1)
        )
        Handoff.objects.filter(pk=very_late_completion.pk).update(complete_by=today - timedelta(days=9))
        client.force_login(employment_staff)
        response = client.get(reverse("referrals:inbox"), {"tab": "overdue"})
        assert response.context["counts"] == {"new": 2, "overdue": 3, "accepted": 2}
        assert [h.pk for h in response.context["page"].object_list] == [
            very_late_completion.pk,
            late_answer.pk,
            late_completion.pk,
        ]
        assert on_time.number not in response.content.decode() and late_answer.number in response.content.decode()
        export = client.get(reverse("referrals:inbox_export"), {"tab": "overdue"}).content.decode()
        assert [line.split(",")[0] for line in export.splitlines()[1:]] == [
            very_late_completion.number,
            late_answer.number,
            late_completion.number,
        ]


def test_the_header_counts_unread_notifications_up_to_99(client, employment_staff):
    from rehab.core.bulk import rows_insert
    from rehab.notifications.models import Notification

    def header():
        page = client.get(reverse("referrals:inbox")).content.decode()
        return page.split('id="unread-count">', 1)[1].split("<", 1)[0]

    now = timezone.now()
    rows_insert(
        Notification,
        ("user_id", "kind", "params", "link", "created_at"),
        [(employment_staff.pk, "handoff_new", {}, "/", now)] * 99,
    )
    client.force_login(employment_staff)
    assert header() == "99"
    rows_insert(
        Notification, ("user_id", "kind", "params", "link", "created_at"), [(employment_staff.pk, "handoff_new", {}, "/", now)]
    )
    assert header() == "99+"
