"""Two people act on the same case at the same moment, on PostgreSQL: one wins, the other is told
the case changed, and the history shows exactly one transition."""

from __future__ import annotations

import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django_fsm_log.models import StateLog

from rehab.cases.models import Case, CaseChanged, CaseState
from rehab.cases.services import case_transition
from tests.factories import make_case


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_transition_the_same_case_one_wins_one_gets_the_conflict(officer, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(label: str, name: str, user) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[label] = case_transition(
                case_id=case.pk, name=name, by=user, reason=label, expected_version=case.version
            ).state
        except CaseChanged as error:
            outcomes[label] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("officer suspends", "suspend", officer)),
        threading.Thread(target=act, args=("supervisor completes", "complete", supervisor)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = {label: state for label, state in outcomes.items() if not isinstance(state, CaseChanged)}
    losers = [label for label, state in outcomes.items() if isinstance(state, CaseChanged)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    final = Case.objects.get(pk=case.pk)
    assert final.state == next(iter(winners.values()))
    assert final.version == case.version + 1
    logs = StateLog.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk)
    assert [log.description for log in logs] == list(winners)
