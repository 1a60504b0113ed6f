"""The stage and hand-off machines, exhaustively and through the services that drive them.

A stage follows its hand-offs, so the two machines are taken together: each situation is a hand-off in
one of its states with its stage in the state that goes with it (plus a stage discontinued after its
hand-off was withdrawn), and each action is one service: ``handoff_send`` (on the stage),
``handoff_accept``, ``handoff_decline``, ``handoff_complete``, ``handoff_withdraw`` and
``stage_discontinue``. For every situation × action: the declared steps succeed and move the hand-off
and its stage to where the design says, each with exactly one log row with the actor (and the reason
where the service records one); every other pair is refused with a reason and changes and logs nothing.
The sender's side is refused the receiving office's steps and the other way round, and nobody else may
take any. The model-level edges are tested in test_services_handoffs.py; these go through the services.

A draft hand-off exists only inside ``handoff_send`` (created and sent in one transaction), so the
(draft, send) pair starts from the planned stage alone and follows the hand-off the service sends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.cases.models import CaseState
from rehab.cases.services import case_close
from rehab.core.errors import ApplicationError, Conflict
from rehab.reference.models import Role, User
from rehab.referrals.models import Handoff, HandoffState, Stage, StageState
from rehab.referrals.services import (
    handoff_accept,
    handoff_complete,
    handoff_decline,
    handoff_send,
    handoff_withdraw,
    stage_discontinue,
)
from tests.factories import make_case, make_stage, make_user, offer, partner_office

pytestmark = pytest.mark.django_db

# --- the design, written out by hand, independently of the code under test ------------------------

HANDOFF_EDGES = {
    ("draft", "send"): "sent",
    ("sent", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("accepted", "complete"): "completed",
    ("sent", "withdraw"): "withdrawn",
    ("accepted", "withdraw"): "withdrawn",
}
STAGE_EDGES = {
    ("planned", "refer"): "referred",
    ("referred", "start"): "in_progress",
    ("in_progress", "complete"): "completed",
    # Declined or withdrawn: back to the plan, for the officer to send elsewhere.
    ("referred", "return_to_plan"): "planned",
    ("in_progress", "return_to_plan"): "planned",
    ("planned", "discontinue"): "discontinued",
    ("referred", "discontinue"): "discontinued",
    ("in_progress", "discontinue"): "discontinued",
}

# Situation: (the hand-off's state, its stage's state).
SITUATIONS = {
    "draft": ("draft", "planned"),
    "sent": ("sent", "referred"),
    "accepted": ("accepted", "in_progress"),
    "declined": ("declined", "planned"),
    "completed": ("completed", "completed"),
    "withdrawn": ("withdrawn", "planned"),
    "discontinued": ("withdrawn", "discontinued"),
}
ACTIONS = ("send", "accept", "decline", "complete", "withdraw", "discontinue")
RECEIVING_SIDE = ("accept", "decline", "complete")  # the other actions are the sender's side

# (situation, action): (the hand-off afterwards, the stage afterwards). Every pair not here is refused,
# except sending a stage back in the plan (below).
DECLARED = {
    ("draft", "send"): ("sent", "referred"),
    ("sent", "accept"): ("accepted", "in_progress"),
    ("sent", "decline"): ("declined", "planned"),
    ("sent", "withdraw"): ("withdrawn", "planned"),
    ("accepted", "complete"): ("completed", "completed"),
    ("accepted", "withdraw"): ("withdrawn", "planned"),
    ("declined", "discontinue"): ("declined", "discontinued"),
    ("withdrawn", "discontinue"): ("withdrawn", "discontinued"),
}
# After a decline or a withdrawal the stage is back in the plan and the officer may send it elsewhere:
# a new hand-off, the old one stays as it is.
SENT_ELSEWHERE = {("declined", "send"), ("withdrawn", "send")}
# The stage's step each action takes.
STAGE_STEP = {
    "send": "refer",
    "accept": "start",
    "decline": "return_to_plan",
    "complete": "complete",
    "withdraw": "return_to_plan",
    "discontinue": "discontinue",
}
# The stage's own edges that no service takes: a stage with an open hand-off is not discontinued (the
# officer withdraws the hand-off first, which returns the stage to the plan).
UNTAKEN_STAGE_EDGES = {("referred", "discontinue"), ("in_progress", "discontinue")}

REASON = "ย้ายไปอยู่ต่างจังหวัด / moved away"
OUTCOME_NOTE = "เริ่มงาน 1 ธ.ค. / starts on 1 December"
# What each hand-off step records as the reason in its log row.
DESCRIPTION = {"send": "", "accept": "", "decline": REASON, "complete": OUTCOME_NOTE, "withdraw": REASON}


# --- building situations and taking actions ---------------------------------------------------------


@pytest.fixture
def people(officer, colleague, supervisor, other_supervisor, employment_staff, other_agency_staff, other_roles, admin_user):
    return {
        "officer": officer,
        "colleague": colleague,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "employment_staff": employment_staff,
        "employment_colleague": make_user(Role.AGENCY_STAFF, office=employment_staff.office, username="jobs_bkk_2"),
        "other_agency_staff": other_agency_staff,
        "agency_staff_without_office": other_roles[Role.AGENCY_STAFF],
        "manager": other_roles[Role.MANAGER],
        "auditor": other_roles[Role.AUDITOR],
        "employer": other_roles[Role.EMPLOYER],
        "admin": admin_user,
    }


def make_situation(officer: User, situation: str, *, with_handoff: bool = True) -> tuple[Stage, Handoff | None]:
    """A new active case of the officer's with an employment stage and its hand-off to the Bangkok
    employment office, created directly in the situation's states."""
    handoff_state, stage_state = SITUATIONS[situation]
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    stage = make_stage(case, by=officer, state=stage_state)
    if not with_handoff:
        return stage, None
    today = timezone.localdate()
    handoff = Handoff.objects.create(
        case=case,
        stage=stage,
        from_office=case.office,
        to_office=partner_office("employment", "10"),
        service="job_placement",
        sender=officer,
        request="หางาน",
        shared=["contact"],
        legal_basis="public_task",
        respond_by=today + timedelta(days=5),
        complete_by=today + timedelta(days=40),
        state=handoff_state,
    )
    return stage, handoff


def _take(action: str, stage: Stage, handoff: Handoff | None, by: User) -> Handoff | Stage:
    if action == "send":
        return handoff_send(
            stage_id=stage.pk,
            offer_id=offer(partner_office("employment", "10"), "job_placement").pk,
            by=by,
            request="ช่วยหางาน",
            shared=["contact"],
        )
    if action == "discontinue":
        return stage_discontinue(stage_id=stage.pk, by=by, reason=REASON)
    assert handoff is not None
    if action == "accept":
        return handoff_accept(handoff_id=handoff.pk, by=by)
    if action == "decline":
        return handoff_decline(handoff_id=handoff.pk, by=by, reason=REASON)
    if action == "complete":
        return handoff_complete(handoff_id=handoff.pk, by=by, outcome="placed", note=OUTCOME_NOTE)
    return handoff_withdraw(handoff_id=handoff.pk, by=by, reason=REASON)


def _logs(obj: Stage | Handoff):
    return StateLog.objects.for_(obj)


def _assert_refused(error: pytest.ExceptionInfo[ApplicationError]) -> None:
    message = str(error.value)
    assert message.strip(), "a refusal says why"
    assert "Can't switch" not in message and "TransitionNotAllowed" not in message


def _unchanged(stage: Stage, handoff: Handoff | None, situation: str) -> None:
    handoff_state, stage_state = SITUATIONS[situation]
    assert Stage.objects.get(pk=stage.pk).state == stage_state
    assert not _logs(stage).exists()
    if handoff is not None:
        assert Handoff.objects.get(pk=handoff.pk).state == handoff_state
        assert not _logs(handoff).exists()
    assert Handoff.objects.filter(stage=stage).count() == (0 if handoff is None else 1)


# --- every situation × every action -----------------------------------------------------------------


@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("action", ACTIONS)
def test_only_declared_steps_succeed_and_each_success_logs_once(situation, action, officer, employment_staff):
    # The case's officer takes the sender's side, staff of the receiving office the rest: only the step is under test.
    by = employment_staff if action in RECEIVING_SIDE else officer
    handoff_before, stage_before = SITUATIONS[situation]
    creates = (situation, action) == ("draft", "send")
    stage, handoff = make_situation(officer, situation, with_handoff=not creates)

    if (situation, action) in DECLARED:
        handoff_after, stage_after = DECLARED[(situation, action)]
        result = _take(action, stage, handoff, by)
        if creates:
            assert isinstance(result, Handoff)
            handoff = result
        assert handoff is not None
        assert Handoff.objects.get(pk=handoff.pk).state == handoff_after
        assert Stage.objects.get(pk=stage.pk).state == stage_after
        if action == "discontinue":
            assert not _logs(handoff).exists()
        else:
            [log] = _logs(handoff)
            assert (log.source_state, log.state, log.transition, log.by) == (handoff_before, handoff_after, action, by)
            assert (log.description or "") == DESCRIPTION[action]
        [stage_log] = _logs(stage)
        assert (stage_log.source_state, stage_log.state, stage_log.transition, stage_log.by) == (
            stage_before,
            stage_after,
            STAGE_STEP[action],
            by,
        )
        assert stage_log.description == (REASON if action == "discontinue" else handoff.number)
    elif (situation, action) in SENT_ELSEWHERE:
        assert handoff is not None
        new = _take(action, stage, handoff, by)
        assert isinstance(new, Handoff) and new.pk != handoff.pk and new.state == HandoffState.SENT
        assert Handoff.objects.get(pk=handoff.pk).state == handoff_before
        assert not _logs(handoff).exists()
        [log] = _logs(new)
        assert (log.source_state, log.state, log.transition, log.by) == ("draft", "sent", "send", by)
        [stage_log] = _logs(stage)
        assert (stage_log.source_state, stage_log.state, stage_log.transition, stage_log.by) == (
            "planned",
            "referred",
            "refer",
            by,
        )
        assert stage_log.description == new.number
    else:
        with pytest.raises(ApplicationError) as error:
            _take(action, stage, handoff, by)
        _assert_refused(error)
        _unchanged(stage, handoff, situation)


@pytest.mark.parametrize("situation", [s for s in SITUATIONS if s != "draft"])
def test_a_case_that_ends_withdraws_its_hand_off_under_way(situation, officer, supervisor):
    """``handoffs_withdraw_for_ended_case``, as closing the case calls it: a sent or accepted hand-off is
    withdrawn by whoever ended the case, with their reason, and its stage goes back to the plan; the others
    stay as they are. (A draft never outlives ``handoff_send``.)"""
    handoff_before, stage_before = SITUATIONS[situation]
    stage, handoff = make_situation(officer, situation)
    assert handoff is not None
    case_close(case_id=stage.case_id, by=supervisor, closure_reason="data_error", reason=REASON)

    if handoff_before in ("sent", "accepted"):
        assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.WITHDRAWN
        assert Stage.objects.get(pk=stage.pk).state == StageState.PLANNED
        [log] = _logs(handoff)
        assert (log.source_state, log.state, log.transition, log.by, log.description) == (
            handoff_before,
            "withdrawn",
            "withdraw",
            supervisor,
            REASON,
        )
        [stage_log] = _logs(stage)
        assert (stage_log.source_state, stage_log.state, stage_log.transition, stage_log.by) == (
            stage_before,
            "planned",
            "return_to_plan",
            supervisor,
        )
    else:
        _unchanged(stage, handoff, situation)


# --- the tables against the machines ----------------------------------------------------------------


@pytest.mark.parametrize(("model", "declared"), [(Stage, STAGE_EDGES), (Handoff, HANDOFF_EDGES)], ids=["stage", "handoff"])
def test_the_declared_edges_are_exactly_the_machines_edges(model, declared):
    field = model._meta.get_field("state")
    edges = {(t.source, t.name, t.target) for t in field.get_all_transitions(model)}
    assert edges == {(source, name, target) for (source, name), target in declared.items()}


def test_the_situations_cover_every_state_and_every_step_follows_the_machines():
    assert {h for h, _ in SITUATIONS.values()} == set(HandoffState.values)
    assert {s for _, s in SITUATIONS.values()} == set(StageState.values)
    taken_stage_edges = set()
    for (situation, action), (handoff_after, stage_after) in DECLARED.items():
        handoff_before, stage_before = SITUATIONS[situation]
        if action != "discontinue":
            assert HANDOFF_EDGES[(handoff_before, action)] == handoff_after
        assert STAGE_EDGES[(stage_before, STAGE_STEP[action])] == stage_after
        taken_stage_edges.add((stage_before, STAGE_STEP[action]))
    assert set(HANDOFF_EDGES) == {(SITUATIONS[s][0], a) for s, a in DECLARED if a != "discontinue"}
    assert set(STAGE_EDGES) - taken_stage_edges == UNTAKEN_STAGE_EDGES


# --- who may take each step ---------------------------------------------------------------------------

ALLOWED = {"sender": ["officer", "supervisor"], "receiver": ["employment_staff", "employment_colleague"]}
WRONG = {
    # Another officer of the office, another office's supervisor, any agency staff, and the roles that do no case work.
    "sender": [
        "colleague",
        "other_supervisor",
        "employment_staff",
        "other_agency_staff",
        "agency_staff_without_office",
        "manager",
        "auditor",
        "employer",
        "admin",
    ],
    # The sender's side, staff of another office (or of none), and the roles that do no case work.
    "receiver": [
        "officer",
        "supervisor",
        "other_agency_staff",
        "agency_staff_without_office",
        "manager",
        "auditor",
        "employer",
        "admin",
    ],
}


def _side(action: str) -> str:
    return "receiver" if action in RECEIVING_SIDE else "sender"


def _by_user(table: dict[str, list[str]]) -> list:
    params = []
    for situation, action in DECLARED:
        for who in table[_side(action)]:
            params.append(pytest.param(situation, action, who, id=f"{situation}-{action}-{who}"))
    return params


@pytest.mark.parametrize(("situation", "action", "who"), _by_user(ALLOWED))
def test_everyone_allowed_takes_each_declared_step(situation, action, who, people, officer):
    creates = (situation, action) == ("draft", "send")
    stage, handoff = make_situation(officer, situation, with_handoff=not creates)
    _take(action, stage, handoff, people[who])
    assert Stage.objects.get(pk=stage.pk).state == DECLARED[(situation, action)][1]
    [stage_log] = _logs(stage)
    assert stage_log.by == people[who]


@pytest.mark.parametrize(("situation", "action", "who"), _by_user(WRONG))
def test_a_user_of_the_wrong_side_role_or_office_is_refused_each_declared_step(situation, action, who, people, officer):
    creates = (situation, action) == ("draft", "send")
    stage, handoff = make_situation(officer, situation, with_handoff=not creates)
    with pytest.raises(ApplicationError, match=r"^Only ") as error:
        _take(action, stage, handoff, people[who])
    assert not isinstance(error.value, Conflict)
    _unchanged(stage, handoff, situation)
