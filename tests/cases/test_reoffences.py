"""A reoffence belongs to the person's history: one service records it whatever the state of the case it
follows. An open case moves to ``reoffended``; a completed or closed one keeps its state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.audit.models import AuditEvent
from rehab.cases.models import Case, CaseState, Reoffence
from rehab.cases.services import reoffence_episode, reoffence_record
from rehab.core.errors import ApplicationError
from tests.factories import make_case, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _logs(case: Case) -> int:
    return StateLog.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk).count()


def record(case: Case, by, days_after_release: int = 30, **fields):
    values: dict[str, Any] = {"offence_date": case.release_date + timedelta(days=days_after_release), "source": "police"}
    values.update({"offence_category": "drugs", "reason": "arrested", **fields})
    return reoffence_record(person_id=case.person_id, by=by, **values)


@pytest.mark.parametrize("state", [CaseState.INTAKE, CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED])
def test_on_an_open_case_it_ends_the_case(officer, state):
    case = make_case(officer=officer, state=state, release_date=TODAY - timedelta(days=100))
    reoffence = record(case, officer)
    case.refresh_from_db()
    assert (case.state, reoffence.case_id, reoffence.person_id, reoffence.ended_case) == (
        CaseState.REOFFENDED,
        case.pk,
        case.person_id,
        True,
    )
    assert _logs(case) == 1


@pytest.mark.parametrize("state", [CaseState.COMPLETED, CaseState.CLOSED, CaseState.REOFFENDED])
def test_after_the_case_ended_it_is_recorded_and_the_case_stays_as_it_was(officer, state):
    case = make_case(officer=officer, state=state, release_date=TODAY - timedelta(days=900))
    reoffence = record(case, officer, days_after_release=800, reason="")
    case.refresh_from_db()
    assert (case.state, reoffence.case_id, reoffence.ended_case) == (state, case.pk, False)
    assert _logs(case) == 0
    assert AuditEvent.objects.filter(object_type="cases.reoffence", object_id=str(reoffence.pk), outcome="ok").exists()


def test_it_follows_the_latest_release_before_the_offence(officer):
    person = make_person()
    first = make_case(officer=officer, person=person, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=1500))
    second = make_case(officer=officer, person=person, state=CaseState.ACTIVE, release_date=TODAY - timedelta(days=200))
    between = first.release_date + timedelta(days=400)  # before the second release: the first episode's
    assert reoffence_episode(person_id=person.pk, offence_date=between) == first
    earlier = reoffence_record(person_id=person.pk, by=officer, offence_date=between, source="court", offence_category="fraud")
    assert (earlier.case_id, earlier.ended_case) == (first.pk, False)
    second.refresh_from_db()
    assert second.state == CaseState.ACTIVE  # an offence before this release is not this episode's
    later = reoffence_record(
        person_id=person.pk,
        by=officer,
        offence_date=TODAY - timedelta(days=10),
        source="police",
        offence_category="drugs",
        reason="x",
    )
    second.refresh_from_db()
    assert (later.case_id, later.ended_case, second.state) == (second.pk, True, CaseState.REOFFENDED)


def test_from_a_case_page_the_offence_must_follow_that_release_and_no_later_one(officer):
    person = make_person()
    first = make_case(officer=officer, person=person, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=1500))
    make_case(officer=officer, person=person, state=CaseState.ACTIVE, release_date=TODAY - timedelta(days=200))
    with pytest.raises(ApplicationError, match="later release") as error:
        reoffence_record(
            person_id=person.pk,
            case_id=first.pk,
            by=officer,
            offence_date=TODAY - timedelta(days=5),
            source="police",
            offence_category="drugs",
        )
    assert error.value.field == "offence_date"
    assert not Reoffence.objects.exists()


def test_an_offence_before_any_release_is_no_reoffence(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE, release_date=TODAY - timedelta(days=30))
    with pytest.raises(ApplicationError, match="no release before this date"):
        record(case, officer, days_after_release=-3)
    assert not Reoffence.objects.exists()


def test_the_same_report_twice_is_refused(officer):
    case = make_case(officer=officer, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=500))
    record(case, officer, days_after_release=300)
    with pytest.raises(ApplicationError, match="already recorded"):
        record(case, officer, days_after_release=300)
    # The court's conviction for the same offence is a second report, from another source.
    record(case, officer, days_after_release=300, source="court")
    assert Reoffence.objects.count() == 2


def test_only_the_case_officer_or_the_office_supervisor_records_it(officer, colleague, other_supervisor, supervisor):
    case = make_case(officer=officer, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=500))
    for stranger in (colleague, other_supervisor):
        with pytest.raises(ApplicationError):
            record(case, stranger, days_after_release=100)
    assert AuditEvent.objects.filter(object_type="cases.person", outcome="refused").count() == 2
    record(case, supervisor, days_after_release=100)
    assert Reoffence.objects.count() == 1


def test_bad_codes_and_future_dates_are_refused_next_to_their_field(officer):
    case = make_case(officer=officer, state=CaseState.ACTIVE, release_date=TODAY - timedelta(days=100))
    for fields, field in (
        ({"source": "rumour"}, "source"),
        ({"offence_category": "jaywalking"}, "offence_category"),
        ({"offence_date": TODAY + timedelta(days=1)}, "offence_date"),
    ):
        with pytest.raises(ApplicationError) as error:
            record(case, officer, **fields)
        assert error.value.field == field
    assert not Reoffence.objects.exists()


def test_the_page_of_an_ended_case_records_a_later_offence_and_keeps_what_was_typed_on_refusal(client, officer):
    case = make_case(officer=officer, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=900))
    client.force_login(officer)
    url = reverse("cases:reoffence_add", args=[case.pk])
    typed = (case.release_date - timedelta(days=10)).strftime("%d/%m/%Y")
    response = client.post(
        url,
        {"later-version": case.version, "later-offence_date": typed, "later-source": "court", "later-offence_category": "fraud"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert typed in html and "after the release" in html
    good = (case.release_date + timedelta(days=700)).strftime("%d/%m/%Y")
    response = client.post(
        url,
        {"later-version": case.version, "later-offence_date": good, "later-source": "court", "later-offence_category": "fraud"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.COMPLETED
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="reoffences"' in html and "after this case ended" in html


def test_another_officer_cannot_reach_the_page_of_the_case(client, officer, colleague):
    case = make_case(officer=officer, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=900))
    client.force_login(colleague)
    response = client.post(reverse("cases:reoffence_add", args=[case.pk]), {"later-offence_date": "01/01/2026"})
    assert response.status_code == 404
    assert not Reoffence.objects.exists()


def test_the_risk_models_labels_read_every_offence_of_the_person_after_a_release(officer):
    from analytics.snapshots import case_histories

    person = make_person()
    first = make_case(officer=officer, person=person, state=CaseState.COMPLETED, release_date=TODAY - timedelta(days=1500))
    second = make_case(officer=officer, person=person, state=CaseState.ACTIVE, release_date=TODAY - timedelta(days=200))
    after_completion = first.release_date + timedelta(days=900)
    reoffence_record(person_id=person.pk, by=officer, offence_date=after_completion, source="court", offence_category="fraud")
    histories = case_histories([first.pk, second.pk])
    assert (histories[first.pk].first_reoffence, histories[second.pk].first_reoffence) == (after_completion, None)
    recent = TODAY - timedelta(days=10)
    reoffence_record(person_id=person.pk, by=officer, offence_date=recent, source="police", offence_category="drugs", reason="x")
    histories = case_histories([first.pk, second.pk])
    assert (histories[first.pk].first_reoffence, histories[second.pk].first_reoffence) == (after_completion, recent)
