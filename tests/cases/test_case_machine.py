"""The case machine, exhaustively: every state × every transition. Only the declared edges of
design §4 succeed, each success leaves exactly one log row with actor and reason, and every
refusal leaves the case and its log untouched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.cases.models import CASE_TRANSITIONS, Assessment, Case, CaseState, Reoffence
from rehab.cases.services import case_close, case_lock, case_run_transition, case_transition, reoffence_record
from rehab.core.errors import ApplicationError, TransitionRefused
from tests.factories import make_case

pytestmark = pytest.mark.django_db

OPEN = ["intake", "assessment", "active", "suspended"]
# Written out by hand from the design, independently of the code under test.
DECLARED = {
    ("intake", "start_assessment"): "assessment",
    ("assessment", "activate"): "active",
    ("active", "suspend"): "suspended",
    ("suspended", "resume"): "active",
    ("active", "complete"): "completed",
    **{(state, "reoffend"): "reoffended" for state in OPEN},
    **{(state, "close"): "closed" for state in OPEN},
}


def record_reoffence_on(case: Case, **fields) -> Case:
    """Record a new offence from the case's page; the case as it is afterwards."""
    reoffence_record(person_id=case.person_id, case_id=case.pk, **fields)
    return Case.objects.get(pk=case.pk)


def _take(case: Case, name: str, by) -> Case:
    if name == "close":
        return case_close(case_id=case.pk, by=by, closure_reason="data_error", reason="opened twice")
    if name == "reoffend":
        # The machine's own edge: a new offence ends an open case (an ended one keeps its state, see
        # test_services_cases.TestReoffences).
        with transaction.atomic():
            locked = case_lock(case_id=case.pk)
            offence = Reoffence(
                person_id=case.person_id,
                case=locked,
                offence_date=case.release_date + timedelta(days=10),
                source="police",
                offence_category="drugs",
                recorded_by=by,
            )
            return case_run_transition(
                case=locked, name="reoffend", by=by, reason="arrested", before=lambda _case: offence.save()
            )
    return case_transition(case_id=case.pk, name=name, by=by, reason="because")


def _logs(case: Case):
    return StateLog.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)


@pytest.mark.parametrize("state", CaseState.values)
@pytest.mark.parametrize("name", CASE_TRANSITIONS)
def test_only_declared_edges_succeed_and_each_success_logs_once(state, name, supervisor):
    # A supervisor may take every transition; every condition is satisfiable: this isolates the edges.
    case = make_case(
        officer=None,
        office=supervisor.office,
        state=state,
        release_date=timezone.localdate() - timedelta(days=200),
        supervision_end_date=timezone.localdate() - timedelta(days=1),
        plan_no_needs=True,
    )
    Assessment.objects.create(case=case, author=supervisor, assessed_on=timezone.localdate(), finished_at=timezone.now())

    if (state, name) in DECLARED:
        result = _take(case, name, supervisor)
        assert result.state == DECLARED[(state, name)]
        assert Case.objects.get(pk=case.pk).state == DECLARED[(state, name)]
        [log] = _logs(case)
        assert (log.source_state, log.state, log.transition, log.by) == (state, DECLARED[(state, name)], name, supervisor)
        assert log.description
    else:
        with pytest.raises(ApplicationError):
            _take(case, name, supervisor)
        assert Case.objects.get(pk=case.pk).state == state
        assert not _logs(case).exists()


def test_the_declared_edges_are_exactly_the_machines_edges():
    edges = set()
    for name in CASE_TRANSITIONS:
        meta = getattr(Case, name)._django_fsm
        for source, transition in meta.transitions.items():
            edges.add((source, name, transition.target))
    assert edges == {(source, name, target) for (source, name), target in DECLARED.items()}


def test_state_cannot_be_assigned_directly(officer):
    case = make_case(officer=officer)
    with pytest.raises(AttributeError):
        case.state = CaseState.COMPLETED


def test_a_refused_transition_says_why(officer, supervisor):
    case = make_case(officer=officer, state=CaseState.ASSESSMENT)
    with pytest.raises(TransitionRefused) as refused:
        case_transition(case_id=case.pk, name="activate", by=supervisor)
    assert "assessment must be finished" in str(refused.value)
