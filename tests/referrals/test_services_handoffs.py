from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.audit.models import TransactionEntry
from rehab.cases.models import Case, CaseState
from rehab.cases.services import case_transition
from rehab.core.errors import ApplicationError, TransitionRefused
from rehab.notifications.models import Notification
from rehab.reference.models import Role, Unit
from rehab.referrals.models import Handoff, HandoffState, Stage, StageState
from rehab.referrals.selectors import plan_proposed_domains
from rehab.referrals.services import (
    consent_record,
    consent_withdraw,
    handoff_accept,
    handoff_complete,
    handoff_decline,
    handoff_progress,
    handoff_send,
    handoff_withdraw,
    stage_add,
    stage_discontinue,
)
from tests.factories import make_case, make_stage, make_user, offer, partner_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(officer):
    return make_case(officer=officer, state=CaseState.ACTIVE)


@pytest.fixture
def stage(case, officer):
    return make_stage(case, domain="employment", by=officer)


def send(stage, by, *, office=None, service="job_placement", **kwargs):
    office = office or partner_office("employment", "10")
    return handoff_send(
        stage_id=stage.pk,
        offer_id=offer(office, service).pk,
        by=by,
        request=kwargs.pop("request", "ช่วยหางานตำแหน่งพนักงานคลังสินค้า"),
        shared=kwargs.pop("shared", ["contact"]),
        **kwargs,
    )


class TestSending:
    def test_sending_refers_the_stage_sets_deadlines_records_and_notifies(self, stage, officer, employment_staff):
        handoff = send(stage, officer)
        assert handoff.state == HandoffState.SENT and handoff.legal_basis == "public_task"
        assert Stage.objects.get(pk=stage.pk).state == StageState.REFERRED
        today = timezone.localdate()
        assert today < handoff.respond_by <= today + timedelta(days=9) and handoff.complete_by > handoff.respond_by
        [entry] = TransactionEntry.objects.filter(subject_type="referrals.handoff", subject_id=handoff.pk)
        assert entry.step == "sent" and entry.actor == officer and entry.payload["to_office"] == handoff.to_office_id
        assert "ช่วยหางาน" not in str(entry.payload)  # the record keeps a hash of the request, not the text
        assert Notification.objects.filter(user=employment_staff, link=f"/handoffs/{handoff.pk}/").exists()

    def test_an_office_that_does_not_offer_the_service_is_refused(self, stage, officer):
        with pytest.raises(ApplicationError) as error:
            send(stage, officer, office=partner_office("dopa", "10"), service="id_card")  # ID cards are not an employment stage
        assert error.value.field == "offer"
        assert not Handoff.objects.exists() and Stage.objects.get(pk=stage.pk).state == StageState.PLANNED

    def test_a_deadline_in_the_past_is_refused(self, stage, officer):
        with pytest.raises(ApplicationError) as error:
            send(stage, officer, respond_by=timezone.localdate() - timedelta(days=1))
        assert error.value.field == "respond_by"
        with pytest.raises(ApplicationError) as error:
            send(
                stage,
                officer,
                respond_by=timezone.localdate() + timedelta(days=5),
                complete_by=timezone.localdate() + timedelta(days=2),
            )
        assert error.value.field == "complete_by"

    def test_an_empty_request_is_refused(self, stage, officer):
        with pytest.raises(ApplicationError) as error:
            send(stage, officer, request="  ")
        assert error.value.field == "request"

    def test_a_double_click_sends_once(self, stage, officer):
        key = uuid.uuid4()
        first = send(stage, officer, idempotency_key=key)
        second = send(stage, officer, idempotency_key=key)
        assert first.pk == second.pk and Handoff.objects.count() == 1 and TransactionEntry.objects.count() == 1

    def test_a_stage_with_an_open_hand_off_cannot_be_sent_again(self, stage, officer):
        first = send(stage, officer)
        with pytest.raises(ApplicationError, match=first.number):
            send(stage, officer)

    def test_offence_details_need_the_persons_consent_to_that_office(self, stage, officer, case):
        with pytest.raises(ApplicationError, match="consented"):
            send(stage, officer, shared=["contact", "offence"])
        consent_record(
            case=case,
            by=officer,
            recipient_id=partner_office("employment", "10").pk,
            categories=["offence"],
            given_on=timezone.localdate(),
        )
        handoff = send(stage, officer, shared=["contact", "offence"])
        assert handoff.consent is not None and handoff.legal_basis == "public_task"

    def test_a_withdrawn_consent_no_longer_allows_sharing(self, stage, officer, case):
        consent = consent_record(
            case=case,
            by=officer,
            recipient_id=partner_office("employment", "10").pk,
            categories=["offence"],
            given_on=timezone.localdate(),
        )
        consent_withdraw(consent_id=consent.pk, by=officer, case=case)
        with pytest.raises(ApplicationError, match="consented"):
            send(stage, officer, shared=["offence"])

    def test_a_non_state_partner_needs_consent_for_anything(self, stage, officer, case):
        Unit.objects.filter(code="employment").update(is_state=False)
        with pytest.raises(ApplicationError, match="not a state agency"):
            send(stage, officer)
        consent_record(
            case=case,
            by=officer,
            recipient_id=partner_office("employment", "10").pk,
            categories=["contact"],
            given_on=timezone.localdate(),
        )
        assert send(stage, officer).legal_basis == "consent"

    def test_another_officer_cannot_send(self, stage, colleague):
        with pytest.raises(ApplicationError):
            send(stage, colleague)


class TestReceiving:
    def test_the_whole_loop_moves_the_stage_along(self, stage, officer, employment_staff):
        handoff = send(stage, officer)
        handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        assert Stage.objects.get(pk=stage.pk).state == StageState.IN_PROGRESS
        handoff_progress(handoff_id=handoff.pk, by=employment_staff, text="นัดสัมภาษณ์งาน 2 แห่ง")
        done = handoff_complete(handoff_id=handoff.pk, by=employment_staff, outcome="placed", note="เริ่มงาน 1 ธ.ค.")
        assert done.state == HandoffState.COMPLETED and Stage.objects.get(pk=stage.pk).state == StageState.COMPLETED
        assert list(
            TransactionEntry.objects.filter(subject_type="referrals.handoff", subject_id=handoff.pk).values_list(
                "step", flat=True
            )
        ) == [
            "sent",
            "accepted",
            "progress",
            "completed",
        ]
        assert Notification.objects.filter(user=officer, kind="handoff_completed").exists()

    def test_staff_of_another_office_cannot_answer(self, stage, officer, other_agency_staff):
        handoff = send(stage, officer)
        for action in (
            lambda: handoff_accept(handoff_id=handoff.pk, by=other_agency_staff),
            lambda: handoff_decline(handoff_id=handoff.pk, by=other_agency_staff, reason="no"),
        ):
            with pytest.raises(ApplicationError, match="receiving office"):
                action()
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.SENT

    def test_declining_needs_a_reason_and_returns_the_stage_to_the_plan(self, stage, officer, employment_staff):
        handoff = send(stage, officer)
        with pytest.raises(ApplicationError) as error:
            handoff_decline(handoff_id=handoff.pk, by=employment_staff, reason=" ")
        assert error.value.field == "reason"
        handoff_decline(handoff_id=handoff.pk, by=employment_staff, reason="ไม่มีตำแหน่งว่างในพื้นที่")
        assert Stage.objects.get(pk=stage.pk).state == StageState.PLANNED
        # ... and the officer sends it elsewhere.
        elsewhere = send(stage, officer, office=partner_office("skill-development", "10"), service="vocational_training")
        assert elsewhere.state == HandoffState.SENT

    def test_completing_before_accepting_is_refused(self, stage, officer, employment_staff):
        handoff = send(stage, officer)
        with pytest.raises(ApplicationError, match="Accept the hand-off"):
            handoff_complete(handoff_id=handoff.pk, by=employment_staff, outcome="placed")

    def test_acting_on_a_hand_off_already_completed_elsewhere_changes_nothing(self, stage, officer, employment_staff):
        colleague_at_unit = make_user(Role.AGENCY_STAFF, office=employment_staff.office)
        handoff = send(stage, officer)
        handoff_accept(handoff_id=handoff.pk, by=employment_staff)
        handoff_complete(handoff_id=handoff.pk, by=employment_staff, outcome="placed")
        with pytest.raises(ApplicationError, match="already “Completed”"):
            handoff_complete(handoff_id=handoff.pk, by=colleague_at_unit, outcome="not_achieved")
        with pytest.raises(ApplicationError, match="already “Completed”"):
            handoff_withdraw(handoff_id=handoff.pk, by=officer, reason="x")
        assert Handoff.objects.get(pk=handoff.pk).outcome == "placed"

    def test_the_sender_withdraws_with_a_reason(self, stage, officer, employment_staff):
        handoff = send(stage, officer)
        with pytest.raises(ApplicationError):
            handoff_withdraw(handoff_id=handoff.pk, by=officer, reason="")
        handoff_withdraw(handoff_id=handoff.pk, by=officer, reason="ย้ายไปอยู่ต่างจังหวัด")
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.WITHDRAWN
        assert Stage.objects.get(pk=stage.pk).state == StageState.PLANNED
        assert Notification.objects.filter(user=employment_staff, kind="handoff_withdrawn").exists()


class TestPlanAndCase:
    def test_the_assessment_proposes_stages(self, officer):
        from rehab.cases.models import Assessment, AssessmentNeed

        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        assessment = Assessment.objects.create(
            case=case, author=officer, assessed_on=timezone.localdate(), finished_at=timezone.now()
        )
        AssessmentNeed.objects.create(assessment=assessment, domain="work", level="urgent", needs_stage=True)
        AssessmentNeed.objects.create(assessment=assessment, domain="family", level="some", needs_stage=True)
        AssessmentNeed.objects.create(assessment=assessment, domain="housing", level="some", needs_stage=True)
        assert plan_proposed_domains(case=case) == ["employment", "welfare"]
        stage_add(case=case, by=officer, domain="employment", goal="มีงานทำภายใน 3 เดือน")
        assert plan_proposed_domains(case=case) == ["welfare"]
        with pytest.raises(ApplicationError, match="already has a stage"):
            stage_add(case=case, by=officer, domain="employment", goal="again")

    def test_a_stage_with_an_open_hand_off_cannot_be_discontinued(self, stage, officer):
        handoff = send(stage, officer)
        with pytest.raises(ApplicationError, match="Withdraw"):
            stage_discontinue(stage_id=stage.pk, by=officer, reason="no longer needed")
        handoff_withdraw(handoff_id=handoff.pk, by=officer, reason="no longer needed")
        assert stage_discontinue(stage_id=stage.pk, by=officer, reason="no longer needed").state == StageState.DISCONTINUED

    def test_a_case_with_an_open_hand_off_needs_the_supervisor_to_complete(self, officer, supervisor, employment_staff):
        case = make_case(
            officer=officer,
            state=CaseState.ACTIVE,
            release_date=timezone.localdate() - timedelta(days=400),
            supervision_end_date=timezone.localdate() - timedelta(days=1),
        )
        handoff = send(make_stage(case, by=officer), officer)
        with pytest.raises(TransitionRefused, match="1 hand-off is still open"):
            case_transition(case_id=case.pk, name="complete", by=officer, reason="term served")
        case_transition(case_id=case.pk, name="complete", by=supervisor, reason="override: person moved abroad legally")
        assert Case.objects.get(pk=case.pk).state == CaseState.COMPLETED
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.WITHDRAWN


STAGE_EDGES = {
    ("planned", "refer"): "referred",
    ("referred", "start"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("referred", "return_to_plan"): "planned",
    ("in_progress", "return_to_plan"): "planned",
    ("planned", "discontinue"): "discontinued",
    ("referred", "discontinue"): "discontinued",
    ("in_progress", "discontinue"): "discontinued",
}
HANDOFF_EDGES = {
    ("draft", "send"): "sent",
    ("sent", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("accepted", "complete"): "completed",
    ("sent", "withdraw"): "withdrawn",
    ("accepted", "withdraw"): "withdrawn",
}


@pytest.mark.parametrize(("model_name", "edges"), [("Stage", STAGE_EDGES), ("Handoff", HANDOFF_EDGES)])
def test_the_stage_and_hand_off_machines_have_exactly_the_declared_edges(model_name, edges, stage, officer):
    from django_fsm import TransitionNotAllowed

    from rehab.referrals import models

    model = getattr(models, model_name)
    states = [value for value, _ in model._meta.get_field("state").choices]
    names = models.STAGE_TRANSITIONS if model_name == "Stage" else models.HANDOFF_TRANSITIONS
    handoff_fields = {
        "case": stage.case,
        "stage": stage,
        "from_office": stage.case.office,
        "to_office": partner_office(),
        "service": "job_placement",
        "sender": officer,
        "request": "x",
        "legal_basis": "public_task",
    }
    for state in states:
        for name in names:
            instance = (
                Stage.objects.create(case=make_case(officer=officer), domain="work", goal="x", created_by=officer, state=state)
                if model_name == "Stage"
                else Handoff.objects.create(state=state, **handoff_fields)
            )
            logs = StateLog.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=instance.pk)
            if (state, name) in edges:
                getattr(instance, name)(by=officer, description="t")
                instance.save()
                assert model.objects.get(pk=instance.pk).state == edges[(state, name)]
                assert logs.count() == 1
            else:
                with pytest.raises(TransitionNotAllowed):
                    getattr(instance, name)(by=officer, description="t")
                assert model.objects.get(pk=instance.pk).state == state and not logs.exists()
