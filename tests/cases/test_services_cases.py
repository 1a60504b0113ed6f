from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from rehab.audit.models import AuditEvent
from rehab.cases.models import Assessment, Case, CaseChanged, CaseState, Person
from rehab.cases.services import (
    case_close,
    case_intake,
    case_reassign,
    case_transition,
    case_transition_options,
    reoffence_record,
)
from rehab.core.errors import ApplicationError, TransitionRefused
from rehab.reference.models import Role
from tests.factories import make_case, make_person, make_user, valid_national_id

pytestmark = pytest.mark.django_db


def finished_assessment(case, by):
    return Assessment.objects.create(case=case, author=by, assessed_on=timezone.localdate(), finished_at=timezone.now())


def record_reoffence_on(case: Case, **fields) -> Case:
    """Record a new offence from the case's page; the case as it is afterwards."""
    reoffence_record(person_id=case.person_id, case_id=case.pk, **fields)
    return Case.objects.get(pk=case.pk)


class TestTransitions:
    def test_the_officer_starts_the_assessment_and_the_version_moves_on(self, officer):
        case = make_case(officer=officer)
        result = case_transition(case_id=case.pk, name="start_assessment", by=officer, expected_version=1)
        assert result.state == CaseState.ASSESSMENT
        assert result.version == 2

    def test_a_colleague_cannot_act_on_someone_elses_case(self, officer, colleague):
        case = make_case(officer=officer)
        with pytest.raises(TransitionRefused, match="case's officer or the supervisor"):
            case_transition(case_id=case.pk, name="start_assessment", by=colleague)

    def test_the_supervisor_activates_once_the_assessment_is_finished_and_the_plan_is_set(self, officer, supervisor):
        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        Assessment.objects.create(case=case, author=officer, assessed_on=timezone.localdate())  # a draft only
        with pytest.raises(TransitionRefused, match="assessment must be finished"):
            case_transition(case_id=case.pk, name="activate", by=supervisor)
        finished_assessment(case, officer)
        with pytest.raises(TransitionRefused, match="plan needs at least one stage"):
            case_transition(case_id=case.pk, name="activate", by=supervisor)
        Case.objects.filter(pk=case.pk).update(plan_no_needs=True)
        with pytest.raises(TransitionRefused, match="Only the supervisor"):
            case_transition(case_id=case.pk, name="activate", by=officer)
        activated = case_transition(case_id=case.pk, name="activate", by=supervisor)
        assert activated.state == CaseState.ACTIVE
        assert (activated.plan_approved_by, activated.plan_approved_at is not None) == (supervisor, True)

    def test_suspending_needs_a_reason(self, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        with pytest.raises(ApplicationError) as error:
            case_transition(case_id=case.pk, name="suspend", by=officer, reason="   ")
        assert error.value.field == "reason"
        assert Case.objects.get(pk=case.pk).state == CaseState.ACTIVE

    def test_early_completion_needs_a_supervisor(self, officer, supervisor):
        case = make_case(officer=officer, state=CaseState.ACTIVE, supervision_end_date=timezone.localdate() + timedelta(days=30))
        with pytest.raises(TransitionRefused, match="before its supervision end date needs the supervisor"):
            case_transition(case_id=case.pk, name="complete", by=officer, reason="doing well")
        assert case_transition(case_id=case.pk, name="complete", by=supervisor, reason="doing well").state == CaseState.COMPLETED

    def test_the_officer_completes_once_supervision_has_ended(self, officer):
        case = make_case(
            officer=officer,
            state=CaseState.ACTIVE,
            release_date=timezone.localdate() - timedelta(days=400),
            supervision_end_date=timezone.localdate(),
        )
        assert case_transition(case_id=case.pk, name="complete", by=officer, reason="term served").state == CaseState.COMPLETED

    def test_closing_needs_a_supervisor_and_a_reason(self, officer, supervisor):
        case = make_case(officer=officer)
        with pytest.raises(TransitionRefused, match="Only the supervisor"):
            case_close(case_id=case.pk, by=officer, closure_reason="death", reason="death certificate seen")
        with pytest.raises(ApplicationError) as no_reason:
            case_close(case_id=case.pk, by=supervisor, closure_reason="", reason="x")
        assert no_reason.value.field == "closure_reason"
        closed = case_close(case_id=case.pk, by=supervisor, closure_reason="death", reason="death certificate seen")
        assert (closed.state, closed.closure_reason) == (CaseState.CLOSED, "death")

    def test_a_reoffence_must_be_dated_after_release_and_not_in_the_future(self, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        for bad_date in (case.release_date, case.release_date - timedelta(days=3), timezone.localdate() + timedelta(days=1)):
            with pytest.raises(ApplicationError) as error:
                record_reoffence_on(
                    case,
                    by=officer,
                    offence_date=bad_date,
                    source="court",
                    offence_category="drugs",
                    reason="convicted",
                )
            assert error.value.field == "offence_date"
        assert not case.reoffences.exists()
        result = record_reoffence_on(
            case,
            by=officer,
            offence_date=case.release_date + timedelta(days=5),
            source="court",
            offence_category="property",
            reason="convicted",
        )
        assert result.state == CaseState.REOFFENDED
        assert result.reoffences.get().offence_category == "property"

    def test_a_refused_reoffence_leaves_no_reoffence_row(self, officer, colleague):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        with pytest.raises(TransitionRefused):
            record_reoffence_on(
                case,
                by=colleague,
                offence_date=case.release_date + timedelta(days=5),
                source="court",
                offence_category="property",
                reason="convicted",
            )
        assert not case.reoffences.exists()

    def test_refusals_are_audited(self, officer, colleague):
        case = make_case(officer=officer)
        with pytest.raises(TransitionRefused):
            case_transition(case_id=case.pk, name="start_assessment", by=colleague)
        event = AuditEvent.objects.get(object_type="cases.case", object_id=str(case.pk), outcome="refused")
        assert event.actor == colleague and event.detail["transition"] == "start_assessment"

    def test_the_options_offer_only_permitted_transitions_and_say_what_is_missing(self, officer, supervisor):
        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        officer_options = {o.name: o for o in case_transition_options(case=case, user=officer)}
        assert set(officer_options) == {"reoffend"}  # approving the plan and closing are the supervisor's
        supervisor_options = {o.name: o for o in case_transition_options(case=case, user=supervisor)}
        assert {"activate", "close", "reoffend"} == set(supervisor_options)
        assert not supervisor_options["activate"].allowed
        assert "assessment must be finished" in supervisor_options["activate"].refusals[0]


class TestOptimisticLocking:
    def test_a_stale_version_is_refused_with_a_reload_message(self, officer):
        case = make_case(officer=officer)
        case_transition(case_id=case.pk, name="start_assessment", by=officer, expected_version=1)
        with pytest.raises(CaseChanged, match="Reload"):
            case_transition(case_id=case.pk, name="start_assessment", by=officer, expected_version=1)

    def test_two_copies_of_a_case_cannot_both_be_saved(self, officer, supervisor):
        first = Case.objects.get(pk=make_case(officer=officer).pk)
        second = Case.objects.get(pk=first.pk)
        first.start_assessment(by=officer)
        first.save()
        second.officer = supervisor
        with pytest.raises(CaseChanged), transaction.atomic():
            second.save()
        assert Case.objects.get(pk=first.pk).officer == officer


class TestReassign:
    def test_the_supervisor_moves_a_case_to_another_officer_of_the_office(self, officer, colleague, supervisor):
        case = make_case(officer=officer)
        assert case_reassign(case_id=case.pk, officer=colleague, by=supervisor, expected_version=1).officer == colleague
        assert AuditEvent.objects.filter(object_id=str(case.pk), action="update").exists()

    def test_an_officer_cannot_reassign(self, officer, colleague):
        case = make_case(officer=officer)
        with pytest.raises(ApplicationError, match="supervisor"):
            case_reassign(case_id=case.pk, officer=colleague, by=officer)

    def test_only_an_officer_of_the_same_office_can_receive_a_case(self, officer, supervisor, other_office):
        case = make_case(officer=officer)
        elsewhere = make_user(Role.OFFICER, office=other_office)
        with pytest.raises(ApplicationError) as error:
            case_reassign(case_id=case.pk, officer=elsewhere, by=supervisor)
        assert error.value.field == "officer"


class TestIntake:
    PERSON = {
        "first_name_th": "สมหญิง",
        "last_name_th": "รักดี",
        "first_name_en": "",
        "last_name_en": "",
        "date_of_birth": date(1995, 3, 15),
        "sex": "female",
        "phone": "",
        "home_district": None,
    }
    CASE = {
        "release_type": "parole",
        "release_date": date(2026, 10, 1),
        "facility": "เรือนจำกลางคลองเปรม",
        "offence_category": "drugs",
        "sentence_months": 24,
        "prior_convictions": 0,
        "supervision_end_date": None,
    }

    def test_it_registers_the_person_and_opens_a_case_in_the_officers_office(self, officer):
        result = case_intake(by=officer, person_data={**self.PERSON, "national_id": valid_national_id()}, case_data=self.CASE)
        assert not result.person_existed
        assert (result.case.officer, result.case.office, result.case.state) == (officer, officer.office, CaseState.INTAKE)
        assert AuditEvent.objects.filter(action="create", object_id=str(result.case.pk)).exists()

    def known(self) -> Person:
        return make_person(first_name_th="สมหญิง", last_name_th="รักดี", date_of_birth=date(1995, 3, 15), phone="0812345678")

    def test_a_known_national_id_gets_the_new_case_on_the_existing_record(self, officer, supervisor):
        person = self.known()
        make_case(officer=officer, person=person, state=CaseState.COMPLETED)
        typed = {**self.PERSON, "first_name_th": " สมหญิง ", "national_id": person.national_id}
        result = case_intake(by=officer, person_data=typed, case_data=self.CASE)
        assert result.person_existed and result.case.person == person
        assert Person.objects.filter(national_id=person.national_id).count() == 1

    def test_a_known_id_with_another_name_or_birth_date_reveals_nothing_of_the_record(self, officer, other_supervisor):
        person = self.known()
        make_case(officer=make_user(Role.OFFICER, office=other_supervisor.office), person=person, state=CaseState.COMPLETED)
        for typed in ({"first_name_th": "สมชาย"}, {"date_of_birth": date(1995, 3, 16)}):
            with pytest.raises(ApplicationError) as error:
                data = {**self.PERSON, **typed, "national_id": person.national_id}
                case_intake(by=officer, person_data=data, case_data=self.CASE)
            assert error.value.field == "national_id"
            assert "สมหญิง" not in str(error.value.message) and "0812345678" not in str(error.value.message)
        assert Case.objects.filter(person=person).count() == 1

    def test_a_person_with_an_open_case_cannot_get_a_second_one(self, officer):
        person = self.known()
        open_case = make_case(officer=officer, person=person)
        with pytest.raises(ApplicationError) as error:
            case_intake(by=officer, person_data={**self.PERSON, "national_id": person.national_id}, case_data=self.CASE)
        assert error.value.field == "national_id" and open_case.number in str(error.value.message)

    def test_an_open_case_at_another_office_is_not_named(self, officer, other_supervisor):
        person = self.known()
        elsewhere = make_case(officer=make_user(Role.OFFICER, office=other_supervisor.office), person=person)
        with pytest.raises(ApplicationError) as error:
            case_intake(by=officer, person_data={**self.PERSON, "national_id": person.national_id}, case_data=self.CASE)
        message = str(error.value.message)
        assert "transfer" in message and elsewhere.number not in message and elsewhere.office.name not in message

    def test_the_same_name_and_birth_date_is_a_warning_not_a_refusal(self, officer):
        twin = make_person(first_name_th="สมหญิง", last_name_th="รักดี", date_of_birth=date(1995, 3, 15))
        result = case_intake(by=officer, person_data={**self.PERSON, "national_id": valid_national_id()}, case_data=self.CASE)
        assert result.same_name_and_birth == [twin]

    def test_roles_without_a_caseload_cannot_record_an_intake(self, other_roles):
        for user in other_roles.values():
            with pytest.raises(ApplicationError):
                case_intake(by=user, person_data={**self.PERSON, "national_id": valid_national_id()}, case_data=self.CASE)
        assert not Case.objects.exists()
