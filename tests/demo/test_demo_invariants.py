"""The demo data goes through the rules: every row ``seed_demo`` writes is one the services could have written.

One database is seeded for the module (PostgreSQL, a fixed seed, inside a transaction rolled back at the
end) and read into memory once; each test checks one family of invariants and, when it fails, says how
many rows break it and names a few of them.

``KKD_DEMO_INVARIANTS="people:seed,people:seed"`` seeds other sizes and seeds instead (one module run each),
to look for rarer violations than the default seed shows.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_fsm_log.models import StateLog

from rehab.audit.ledger import ledger_verify
from rehab.audit.models import TransactionEntry
from rehab.cases.models import (
    OPEN_STATES,
    Appointment,
    AppointmentState,
    Assessment,
    Case,
    CaseState,
    ContactNote,
    Reoffence,
)
from rehab.cases.models.cases import may_supervise_case
from rehab.demo import seeder as demo
from rehab.notifications.kinds import kind_of
from rehab.notifications.models import Notification
from rehab.reference.models import Office, Role, ServiceOffer, User
from rehab.referrals.models import (
    SENSITIVE_CATEGORIES,
    SERVICES_FOR_STAGE,
    Consent,
    Handoff,
    HandoffNote,
    HandoffState,
    LedgerStep,
    LegalBasis,
    ShareCategory,
    Stage,
    StageState,
)
from rehab.referrals.notices import (
    HANDOFF_ACCEPTED,
    HANDOFF_COMPLETED,
    HANDOFF_DECLINED,
    HANDOFF_NEW,
    HANDOFF_PROGRESS,
    HANDOFF_WITHDRAWN,
)
from rehab.referrals.services.plan import PLANNABLE_STATES, REFERRABLE_STATES

# The seeded rows live in the module's transaction; each test's own (nested) one leaves them as they are.
pytestmark = pytest.mark.django_db


def _runs() -> list[tuple[int, int]]:
    spec = os.environ.get("KKD_DEMO_INVARIANTS", "").strip()
    if not spec:
        return [(1_500, 7)]
    return [(int(people), int(seed)) for people, seed in (item.split(":") for item in spec.split(","))]


ENDED_STATES = {CaseState.COMPLETED, CaseState.REOFFENDED, CaseState.CLOSED}
OPEN_HANDOFF = {HandoffState.SENT, HandoffState.ACCEPTED}
FINAL_HANDOFF = {HandoffState.DECLINED, HandoffState.COMPLETED, HandoffState.WITHDRAWN}
SHOWN = 5  # offending ids named in a failure message


def problems(found: list[Any], what: str) -> str:
    """The failure message: how many, and the first few."""
    shown = "\n  ".join(str(item) for item in found[:SHOWN])
    return f"{len(found)} {what}, e.g.:\n  {shown}"


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# Rows written in one transaction: a service reads the clock more than once (the seed, once).
SLACK = timedelta(minutes=1)


def same_moment(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= SLACK


# --- the machines, from the models' FSM metadata ---------------------------------------------------


@dataclass(frozen=True)
class Machine:
    model: type[models.Model]
    initial: str
    moves: dict[tuple[str, str], str]  # (transition name, source) -> target
    permissions: dict[str, Any]  # transition name -> its permission (a function of the case and the user, or None)
    reasons_required: dict[str, bool]  # transition name -> whether the service asks for a reason

    @classmethod
    def of(cls, model: type[models.Model]) -> Machine:
        state = model._meta.get_field("state")
        states = [value for value, _label in state.choices]  # type: ignore[union-attr]
        moves: dict[tuple[str, str], str] = {}
        permissions: dict[str, Any] = {}
        reasons: dict[str, bool] = {}
        for move in state.get_all_transitions(model):  # type: ignore[union-attr]
            sources = states if move.source in ("*", "+") else [move.source]
            for source in sources:
                if move.source == "+" and source == move.target:
                    continue
                moves[(move.name, str(source))] = str(move.target)
            permissions[move.name] = move.permission
            reasons[move.name] = bool(move.custom.get("reason_required"))
        return cls(model, str(state.default), moves, permissions, reasons)  # type: ignore[union-attr]

    def reachable(self) -> set[str]:
        seen, todo = {self.initial}, deque([self.initial])
        while todo:
            here = todo.popleft()
            for (_name, source), target in self.moves.items():
                if source == here and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def walk(self, logs: list[Log], current: str) -> str:
        """Why ``logs`` are not a path of declared transitions from the initial state to ``current`` ('' if they are)."""
        state = self.initial
        previous: datetime | None = None
        for log in logs:
            if log.source != state:
                return f"log {log.id} leaves {log.source!r} but the object was {state!r}"
            target = self.moves.get((log.transition, log.source))
            if target is None:
                return f"log {log.id}: {log.transition!r} is not a transition out of {log.source!r}"
            if target != log.target:
                return f"log {log.id}: {log.transition!r} leads to {target!r}, not {log.target!r}"
            if previous is not None and log.at < previous:
                return f"log {log.id} is dated before the log before it"
            state, previous = target, log.at
        if state != current:
            return f"the logs end in {state!r} but the object is {current!r}"
        return ""


@dataclass(frozen=True)
class Log:
    id: int
    at: datetime
    by: int | None
    source: str
    target: str
    transition: str
    description: str


# --- the seeded world, read once ------------------------------------------------------------------


@dataclass
class World:
    output: str
    now: datetime
    today: date
    ledger_ok: bool
    ledger_problem: str
    users: dict[int, dict[str, Any]]
    offices: dict[int, dict[str, Any]]
    offers: set[tuple[int, str]]
    cases: dict[int, dict[str, Any]]
    cases_of_person: dict[int, list[dict[str, Any]]]
    reoffences: list[dict[str, Any]]
    assessments: dict[int, list[dict[str, Any]]]  # case -> its assessments
    stages: dict[int, dict[str, Any]]
    handoffs: dict[int, dict[str, Any]]
    handoffs_of_stage: dict[int, list[dict[str, Any]]]
    handoffs_of_case: dict[int, list[dict[str, Any]]]
    notes_of_handoff: Counter[int]
    handoff_notes: dict[int, dict[str, Any]]
    contact_notes: list[dict[str, Any]]
    appointments: dict[int, dict[str, Any]]
    notifications: list[dict[str, Any]]
    consents: dict[int, dict[str, Any]]
    entries: dict[int, list[dict[str, Any]]]  # hand-off -> its ledger entries in order
    entry_subjects: Counter[str]
    logs: dict[str, dict[int, list[Log]]]  # "case" / "stage" / "handoff" / "appointment" -> object -> logs
    machines: dict[str, Machine] = field(default_factory=dict)
    supervisors_of: dict[int, set[int]] = field(default_factory=dict)  # office -> its supervisors

    def state_at(self, case_id: int, moment: datetime) -> str | None:
        """The case's state at ``moment`` from its logs (None when it has none)."""
        logs = self.logs["case"].get(case_id, [])
        if not logs and self.cases[case_id]["state"] != CaseState.INTAKE:
            return None
        state = CaseState.INTAKE.value
        for log in logs:
            if log.at > moment:
                break
            state = log.target
        return state

    def ended_at(self, case_id: int) -> datetime | None:
        logs = self.logs["case"].get(case_id)
        if logs and logs[-1].target in ENDED_STATES:
            return logs[-1].at
        return None

    def works_on_case(self, user_id: int | None, case: dict[str, Any]) -> bool:
        user = self.users.get(user_id or 0)
        if user is None or not user["is_active"]:
            return False
        if user["role"] == Role.OFFICER:
            return case["officer_id"] == user_id
        return user["role"] == Role.SUPERVISOR and user["office_id"] == case["office_id"]

    def supervises(self, user_id: int | None, case: dict[str, Any]) -> bool:
        return user_id in self.supervisors_of.get(case["office_id"], set())

    def staff_of(self, user_id: int | None, office_id: int) -> bool:
        user = self.users.get(user_id or 0)
        return bool(user and user["is_active"] and user["role"] == Role.AGENCY_STAFF and user["office_id"] == office_id)


def _rows(model: type[models.Model], *fields: str, **filters: Any) -> list[dict[str, Any]]:
    return list(model._default_manager.filter(**filters).order_by("pk").values(*fields))


def _read_world(output: str) -> World:
    now = timezone.now()
    report = ledger_verify()
    users = {u["id"]: u for u in _rows(User, "id", "username", "role", "office_id", "is_active", "is_office_head")}
    offices = {o["id"]: o for o in _rows(Office, "id", "code", "unit_id", "province_id", "unit__is_state")}
    offers = {(o, s) for o, s in ServiceOffer.objects.filter(active=True).values_list("office_id", "service")}
    cases = {
        c["id"]: c
        for c in _rows(
            Case,
            *("id", "person_id", "office_id", "officer_id", "state", "release_date", "supervision_end_date"),
            *("closure_reason", "plan_no_needs", "plan_approved_at", "plan_approved_by_id", "version", "created_at"),
        )
    }
    cases_of_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for case in cases.values():
        cases_of_person[case["person_id"]].append(case)
    assessments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(Assessment, "id", "case_id", "author_id", "assessed_on", "finished_at", "created_at"):
        assessments[row["case_id"]].append(row)
    stages = {s["id"]: s for s in _rows(Stage, "id", "case_id", "domain", "state", "created_by_id", "created_at")}
    handoffs = {
        h["id"]: h
        for h in _rows(
            Handoff,
            *("id", "case_id", "stage_id", "from_office_id", "to_office_id", "service", "sender_id", "shared"),
            *("legal_basis", "consent_id", "state", "respond_by", "complete_by", "sent_at", "answered_at", "closed_at"),
            *("answered_by_id", "decline_reason", "withdraw_reason", "outcome", "outcome_note", "created_at"),
        )
    }
    handoffs_of_stage: dict[int, list[dict[str, Any]]] = defaultdict(list)
    handoffs_of_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for handoff in sorted(handoffs.values(), key=lambda h: (h["sent_at"] or h["created_at"], h["id"])):
        handoffs_of_stage[handoff["stage_id"]].append(handoff)
        handoffs_of_case[handoff["case_id"]].append(handoff)
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    entry_subjects: Counter[str] = Counter()
    for entry in _rows(TransactionEntry, "id", "subject_type", "subject_id", "step", "actor_id", "at", "payload"):
        entry_subjects[entry["subject_type"]] += 1
        if entry["subject_type"] == Handoff._meta.label_lower:
            entries[entry["subject_id"]].append(entry)
    kinds = {
        name: ContentType.objects.get_for_model(model).pk
        for name, model in (("case", Case), ("stage", Stage), ("handoff", Handoff), ("appointment", Appointment))
    }
    logs: dict[str, dict[int, list[Log]]] = {name: defaultdict(list) for name in kinds}
    names = {pk: name for name, pk in kinds.items()}
    for row in (
        StateLog.objects.filter(content_type_id__in=kinds.values())
        .order_by("timestamp", "pk")
        .values_list(
            "content_type_id", "object_id", "pk", "timestamp", "by_id", "source_state", "state", "transition", "description"
        )
    ):
        content_type, object_id, *rest = row
        logs[names[content_type]][int(object_id)].append(Log(*rest))
    world = World(
        output=output,
        now=now,
        today=timezone.localdate(),
        ledger_ok=report.ok,
        ledger_problem=f"entry {report.broken_at}: {report.problem}",
        users=users,
        offices=offices,
        offers=offers,
        cases=cases,
        cases_of_person=cases_of_person,
        reoffences=_rows(
            Reoffence,
            *("id", "person_id", "case_id", "offence_date", "source", "offence_category", "ended_case"),
            *("recorded_by_id", "recorded_at"),
        ),
        assessments=assessments,
        stages=stages,
        handoffs=handoffs,
        handoffs_of_stage=handoffs_of_stage,
        handoffs_of_case=handoffs_of_case,
        notes_of_handoff=Counter(HandoffNote.objects.values_list("handoff_id", flat=True)),
        handoff_notes={n["id"]: n for n in _rows(HandoffNote, "id", "handoff_id", "author_id", "created_at")},
        contact_notes=_rows(ContactNote, "id", "case_id", "author_id", "contacted_at"),
        appointments={
            a["id"]: a
            for a in _rows(Appointment, "id", "case_id", "office_id", "kind", "starts_at", "state", "created_by_id", "created_at")
        },
        notifications=_rows(Notification, "id", "user_id", "kind", "params", "link", "created_at", "read_at"),
        consents={
            c["id"]: c for c in _rows(Consent, "id", "person_id", "recipient_id", "categories", "given_on", "withdrawn_at")
        },
        entries=entries,
        entry_subjects=entry_subjects,
        logs=logs,
        machines={"case": Machine.of(Case), "stage": Machine.of(Stage), "handoff": Machine.of(Handoff)},
    )
    world.machines["appointment"] = Machine.of(Appointment)
    for pk, user in users.items():
        if user["role"] == Role.SUPERVISOR and user["is_active"] and user["office_id"]:
            world.supervisors_of.setdefault(user["office_id"], set()).add(pk)
    return world


@pytest.fixture(scope="module", params=_runs(), ids=lambda run: f"{run[0]}people-seed{run[1]}")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterable[World]:
    people, seed = request.param
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEMO_PASSWORD", "a-demo-test-password")
        patch.setattr(demo, "DEMO_PASSWORD_FILE", tmp_path_factory.mktemp("demo") / "demo_password")
        with transaction.atomic():
            out = StringIO()
            call_command("seed_demo", people=people, seed=seed, stdout=out)
            # Every foreign key holds; checked once here rather than after each test (their savepoints would
            # put the deferred checks back).
            connection.check_constraints()
            yield _read_world(out.getvalue())
            transaction.set_rollback(True)  # the other tests start from an empty database


# --- 1. reoffences --------------------------------------------------------------------------------


def test_the_seed_has_the_reoffences_these_tests_are_about(world):
    """Some ended their case, some came after it completed, some belong to people with several releases."""
    kinds = Counter((r["ended_case"], world.cases[r["case_id"]]["state"]) for r in world.reoffences)
    assert kinds[(True, CaseState.REOFFENDED)] >= 20, kinds
    assert kinds[(False, CaseState.COMPLETED)] >= 20, kinds
    several = {person for person, cases in world.cases_of_person.items() if len(cases) > 1}
    assert sum(r["person_id"] in several for r in world.reoffences) >= 20


def test_every_reoffence_follows_its_release_episode(world):
    found = []
    for r in world.reoffences:
        case = world.cases[r["case_id"]]
        if case["person_id"] != r["person_id"]:
            found.append((r["id"], "its case is another person's"))
            continue
        if not r["offence_date"] > case["release_date"]:
            found.append((r["id"], f"offence {r['offence_date']} not after the release {case['release_date']}"))
        if r["offence_date"] > world.today:
            found.append((r["id"], f"offence {r['offence_date']} in the future"))
        if r["offence_date"] > local_day(r["recorded_at"]):
            found.append((r["id"], f"offence {r['offence_date']} after it was recorded ({r['recorded_at']})"))
        earlier = [c for c in world.cases_of_person[r["person_id"]] if c["release_date"] < r["offence_date"]]
        episode = max(earlier, key=lambda c: (c["release_date"], c["id"]), default=None)
        if episode is None or episode["id"] != case["id"]:
            found.append((r["id"], f"case {case['id']} but its episode is {episode and episode['id']}"))
    assert not found, problems(found, "reoffences not on their release episode")


def test_a_reoffence_ends_its_case_exactly_when_the_case_was_open(world):
    """ended_case ⇔ it moved the open case to ``reoffended`` (the case's reoffend log at the moment it was
    recorded); one recorded after the case ended leaves it as it was."""
    found = []
    ending: dict[int, list[int]] = defaultdict(list)
    for r in world.reoffences:
        case = world.cases[r["case_id"]]
        if r["ended_case"]:
            ending[case["id"]].append(r["id"])
            if case["state"] != CaseState.REOFFENDED:
                found.append((r["id"], f"ended_case but its case {case['id']} is {case['state']}"))
                continue
            logs = world.logs["case"].get(case["id"], [])
            last = logs[-1] if logs else None
            if last is not None and (last.transition != "reoffend" or not same_moment(last.at, r["recorded_at"])):
                found.append((r["id"], f"ended_case but case {case['id']}'s reoffend log is not when it was recorded"))
        else:
            ended = world.ended_at(case["id"])
            if case["state"] in OPEN_STATES:
                found.append((r["id"], f"not ended_case but its case {case['id']} is still {case['state']}"))
            elif ended is not None and r["recorded_at"] < ended:
                found.append((r["id"], f"recorded {r['recorded_at']} while case {case['id']} was open (ended {ended})"))
    for case in world.cases.values():
        if case["state"] == CaseState.REOFFENDED and len(ending[case["id"]]) != 1:
            found.append((f"case {case['id']}", f"reoffended with {len(ending[case['id']])} reoffences that ended it"))
    assert not found, problems(found, "reoffences whose ended_case disagrees with their case")


def test_reoffences_are_recorded_by_someone_working_on_the_case(world):
    found = [
        (r["id"], r["recorded_by_id"])
        for r in world.reoffences
        if not world.works_on_case(r["recorded_by_id"], world.cases[r["case_id"]])
    ]
    assert not found, problems(found, "reoffences recorded by someone who may not")


# --- 2. stages follow their hand-offs --------------------------------------------------------------


def test_every_stage_follows_its_hand_offs(world):
    """send → referred; accept → in progress; decline or withdraw → planned; complete → completed; one hand-off
    open at a time, each sent after the one before closed; nothing sent once the stage completed."""
    found = []
    for stage in world.stages.values():
        history = world.handoffs_of_stage.get(stage["id"], [])
        expected = StageState.PLANNED
        closed_before: datetime | None = None
        for number, handoff in enumerate(history):
            if handoff["case_id"] != stage["case_id"]:
                found.append((stage["id"], f"HO {handoff['id']} is of another case"))
            if handoff["state"] == HandoffState.DRAFT or handoff["sent_at"] is None:
                found.append((stage["id"], f"HO {handoff['id']} was never sent (a draft outlives no request)"))
                continue
            if expected == StageState.COMPLETED:
                found.append((stage["id"], f"HO {handoff['id']} sent after the stage completed"))
            if number and (closed_before is None or handoff["sent_at"] < closed_before):
                found.append((stage["id"], f"HO {handoff['id']} sent while the one before was open"))
            if handoff["state"] in OPEN_HANDOFF and number != len(history) - 1:
                found.append((stage["id"], f"HO {handoff['id']} is open but not the latest"))
            expected = {
                HandoffState.SENT: StageState.REFERRED,
                HandoffState.ACCEPTED: StageState.IN_PROGRESS,
                HandoffState.COMPLETED: StageState.COMPLETED,
            }.get(handoff["state"], StageState.PLANNED)
            closed_before = handoff["closed_at"]
        if stage["state"] == StageState.DISCONTINUED:
            if expected in (StageState.REFERRED, StageState.IN_PROGRESS):
                found.append((stage["id"], "discontinued with an open hand-off"))
            if expected == StageState.COMPLETED:
                found.append((stage["id"], "discontinued after it completed"))
        elif stage["state"] != expected:
            found.append((stage["id"], f"{stage['state']} but its hand-offs say {expected} ({[h['state'] for h in history]})"))
    assert not found, problems(found, "stages out of step with their hand-offs")


def test_every_hand_off_has_its_own_consistent_fields(world):
    found = []
    for h in world.handoffs.values():
        state, pk = h["state"], h["id"]
        if h["sent_at"] is None or not (h["sent_at"] <= (h["answered_at"] or h["sent_at"]) <= (h["closed_at"] or world.now)):
            found.append((pk, "its times are out of order"))
        if (h["closed_at"] is not None) != (state in FINAL_HANDOFF):
            found.append((pk, f"{state} with closed_at {h['closed_at']}"))
        if state in (HandoffState.ACCEPTED, HandoffState.COMPLETED, HandoffState.DECLINED) and not (
            h["answered_at"] and world.staff_of(h["answered_by_id"], h["to_office_id"])
        ):
            found.append((pk, f"{state} without an answer by the receiving office's staff"))
        if state == HandoffState.SENT and h["answered_at"] is not None:
            found.append((pk, "sent yet answered"))
        if bool(h["decline_reason"]) != (state == HandoffState.DECLINED):
            found.append((pk, f"{state} with decline reason {h['decline_reason']!r}"))
        if bool(h["withdraw_reason"]) != (state == HandoffState.WITHDRAWN):
            found.append((pk, f"{state} with withdraw reason {h['withdraw_reason']!r}"))
        if bool(h["outcome"]) != (state == HandoffState.COMPLETED):
            found.append((pk, f"{state} with outcome {h['outcome']!r}"))
    assert not found, problems(found, "hand-offs whose fields disagree with their state")


# --- 3. the chained record --------------------------------------------------------------------------


def test_the_chained_record_verifies(world):
    assert world.ledger_ok, world.ledger_problem
    assert set(world.entry_subjects) <= {Handoff._meta.label_lower}, world.entry_subjects


def expected_steps(h: dict[str, Any]) -> list[str]:
    """The transition steps a hand-off went through, from its fields."""
    steps = [LedgerStep.SENT.value]
    state = h["state"]
    if state in (HandoffState.ACCEPTED, HandoffState.COMPLETED) or (state == HandoffState.WITHDRAWN and h["answered_at"]):
        steps.append(LedgerStep.ACCEPTED.value)
    if state in FINAL_HANDOFF:
        steps.append(str(state))
    return steps


def test_every_hand_off_step_that_happened_has_its_entry(world):
    found = []
    for pk, h in world.handoffs.items():
        chain = world.entries.get(pk, [])
        steps = [e["step"] for e in chain if e["step"] != LedgerStep.PROGRESS]
        if steps != expected_steps(h):
            found.append((pk, f"{h['state']}: entries {steps}, expected {expected_steps(h)}"))
            continue
        progress = sum(e["step"] == LedgerStep.PROGRESS for e in chain)
        if progress != world.notes_of_handoff[pk]:
            found.append((pk, f"{progress} progress entries for {world.notes_of_handoff[pk]} progress notes"))
        case = world.cases[h["case_id"]]
        by_step = {e["step"]: e for e in chain}
        sent = by_step[LedgerStep.SENT]
        if sent["actor_id"] != h["sender_id"] or not same_moment(sent["at"], h["sent_at"]):
            found.append((pk, "the sent entry is not the sender's at the sending time"))
        payload = sent["payload"]
        wanted = {
            "case": h["case_id"],
            "from_office": h["from_office_id"],
            "to_office": h["to_office_id"],
            "service": h["service"],
            "shared": sorted(h["shared"]),
            "legal_basis": h["legal_basis"],
            "consent": h["consent_id"],
            "respond_by": h["respond_by"].isoformat(),
            "complete_by": h["complete_by"].isoformat(),
        }
        if {key: payload.get(key) for key in wanted} != wanted:
            found.append((pk, f"the sent entry's payload {payload} is not the hand-off's {wanted}"))
        for entry in chain:
            step, actor = entry["step"], entry["actor_id"]
            if step in (LedgerStep.ACCEPTED, LedgerStep.DECLINED, LedgerStep.COMPLETED) and not world.staff_of(
                actor, h["to_office_id"]
            ):
                found.append((pk, f"{step} entry by {actor}, not the receiving office's staff"))
            if step == LedgerStep.WITHDRAWN and not world.works_on_case(actor, case):
                found.append((pk, f"withdrawn entry by {actor}, who does not work on the case"))
            if step == LedgerStep.PROGRESS:
                note = world.handoff_notes.get(entry["payload"].get("note"))
                if (
                    note is None
                    or (note["handoff_id"], note["author_id"]) != (pk, actor)
                    or not same_moment(note["created_at"], entry["at"])
                ):
                    found.append((pk, f"progress entry {entry['id']} is not its note's"))
                if not (world.staff_of(actor, h["to_office_id"]) or world.works_on_case(actor, case)):
                    found.append((pk, f"progress entry by {actor}"))
            if not h["sent_at"] - SLACK <= entry["at"] <= (h["closed_at"] or world.now) + SLACK:
                found.append((pk, f"{step} entry at {entry['at']} outside the hand-off's life"))
        final = by_step.get(h["state"])
        if h["state"] in FINAL_HANDOFF and (final is None or not same_moment(final["at"], h["closed_at"])):
            found.append((pk, "the final entry is not at closed_at"))
    orphans = sorted(set(world.entries) - set(world.handoffs))
    found += [(pk, "entries of a hand-off that does not exist") for pk in orphans]
    assert not found, problems(found, "hand-offs whose steps and chained entries disagree")


# --- 4. only states the machines can reach ----------------------------------------------------------


def _paths(world: World, kind: str, objects: dict[int, dict[str, Any]], *, logged: bool) -> list[Any]:
    machine = world.machines[kind]
    reachable = machine.reachable()
    found = []
    logs_of = world.logs[kind]
    for pk, row in objects.items():
        logs = logs_of.get(pk, [])
        if logs:
            why = machine.walk(logs, row["state"])
            if why:
                found.append((f"{kind} {pk}", why))
        elif row["state"] not in reachable:
            found.append((f"{kind} {pk}", f"in {row['state']!r}, which the machine cannot reach"))
        elif logged and row["state"] != machine.initial:
            found.append((f"{kind} {pk}", f"in {row['state']!r} without the logs of how it got there"))
    found += [(f"{kind} {pk}", "logs of an object that does not exist") for pk in set(logs_of) - set(objects)]
    return found


def test_cases_took_only_declared_transitions(world):
    found = _paths(world, "case", world.cases, logged=True)
    assert not found, problems(found, "cases whose logs are not a path of the case machine")


def test_stages_took_only_declared_transitions(world):
    found = _paths(world, "stage", world.stages, logged=True)
    for pk, logs in world.logs["stage"].items():
        numbers = {f"HO-{h['id']:08d}" for h in world.handoffs_of_stage.get(pk, [])}
        found += [
            (f"stage {pk}", f"log {log.id} names {log.description!r}")
            for log in logs
            if log.transition != "discontinue" and log.description not in numbers
        ]
    assert not found, problems(found, "stages whose logs are not a path of the stage machine")


def test_hand_offs_took_only_declared_transitions(world):
    found = _paths(world, "handoff", world.handoffs, logged=True)
    for pk, logs in world.logs["handoff"].items():
        h = world.handoffs.get(pk)
        if h is None:
            continue
        steps = [log.target for log in logs]
        if steps != expected_steps(h):
            found.append((f"handoff {pk}", f"logs {steps} but the record says {expected_steps(h)}"))
        reasons = {"decline": h["decline_reason"], "withdraw": h["withdraw_reason"], "complete": h["outcome_note"]}
        found += [
            (f"handoff {pk}", f"log {log.id} says {log.description!r}")
            for log in logs
            if log.description != reasons.get(log.transition, "")
        ]
        chain = [(e["step"], e["at"], e["actor_id"]) for e in world.entries.get(pk, [])]
        found += [
            (f"handoff {pk}", f"log {log.id} has no entry of the same step, actor and moment")
            for log in logs
            if not any(step == log.target and actor == log.by and same_moment(at, log.at) for step, at, actor in chain)
        ]
    assert not found, problems(found, "hand-offs whose logs are not a path of the hand-off machine")


def test_appointments_took_only_declared_transitions(world):
    """Marked by who may manage it (appointment_mark), attended or missed only once its time had come."""
    logged = bool(world.logs["appointment"])
    found = _paths(world, "appointment", world.appointments, logged=logged)
    for pk, logs in world.logs["appointment"].items():
        a = world.appointments.get(pk)
        if a is None:
            continue
        case = world.cases[a["case_id"]]
        for log in logs:
            if not (world.works_on_case(log.by, case) or world.staff_of(log.by, a["office_id"])):
                found.append((f"appointment {pk}", f"{log.transition} by {log.by}"))
            if log.transition in ("attend", "miss") and log.at < a["starts_at"]:
                found.append((f"appointment {pk}", f"marked {log.target} at {log.at}, before it began"))
            if not a["created_at"] <= log.at <= world.now:
                found.append((f"appointment {pk}", f"marked at {log.at}, before it was booked or in the future"))
    assert not found, problems(found, "appointments whose logs are not a path of the appointment machine")


def test_transitions_were_taken_by_who_may_and_when_they_could(world):
    """The case machine's permissions (officer or supervisor; activating and closing: the supervisor) and
    conditions (a finished assessment and a plan; a recorded new offence; a closure reason)."""
    found = []
    machine = world.machines["case"]
    first_stage: dict[int, datetime] = {}
    for stage in world.stages.values():
        at = first_stage.get(stage["case_id"])
        first_stage[stage["case_id"]] = min(at, stage["created_at"]) if at else stage["created_at"]
    recorded: dict[int, list[datetime]] = defaultdict(list)
    for r in world.reoffences:
        recorded[r["case_id"]].append(r["recorded_at"])
    for pk, case in world.cases.items():
        logs = world.logs["case"].get(pk, [])
        if case["plan_approved_at"] is not None and not any(log.transition == "activate" for log in logs):
            found.append((pk, "a plan approval without an activation"))
        for log in logs:
            if machine.reasons_required.get(log.transition) and not log.description.strip():
                found.append((pk, f"{log.transition} without the reason it requires"))
            if not world.works_on_case(log.by, case):
                found.append((pk, f"{log.transition} by {log.by}, who does not work on the case"))
            elif machine.permissions.get(log.transition) is may_supervise_case and not world.supervises(log.by, case):
                found.append((pk, f"{log.transition} by {log.by}, not the office's supervisor"))
            if log.transition == "activate":
                finished = [a["finished_at"] for a in world.assessments.get(pk, []) if a["finished_at"]]
                if not finished or min(finished) > log.at:
                    found.append((pk, "activated before its assessment was finished"))
                if not case["plan_no_needs"] and not (pk in first_stage and first_stage[pk] <= log.at):
                    found.append((pk, "activated without a plan (no stage, no 'no needs')"))
                if case["plan_approved_by_id"] != log.by or not same_moment(case["plan_approved_at"], log.at):
                    found.append((pk, "its plan approval is not its activation"))
            if log.transition == "reoffend" and not any(at <= log.at + timedelta(minutes=1) for at in recorded[pk]):
                found.append((pk, "reoffended without a recorded new offence"))
            if log.transition == "close" and not case["closure_reason"]:
                found.append((pk, "closed without a reason"))
            if log.transition == "complete" and not world.supervises(log.by, case):
                if local_day(log.at) < case["supervision_end_date"]:
                    found.append((pk, f"completed on {local_day(log.at)} before {case['supervision_end_date']} by the officer"))
                still_open = [
                    h["id"]
                    for h in world.handoffs_of_case.get(pk, [])
                    if h["sent_at"] < log.at and (h["closed_at"] is None or h["closed_at"] >= log.at)
                ]
                if still_open:
                    found.append((pk, f"completed by the officer with hand-offs open {still_open}"))
    assert not found, problems(found, "case transitions taken by someone who may not, or when they could not")


def test_stage_and_hand_off_transitions_were_taken_by_who_may(world):
    found = []
    sender_side = {"send", "withdraw"}
    for pk, logs in world.logs["handoff"].items():
        h = world.handoffs[pk]
        case = world.cases[h["case_id"]]
        for log in logs:
            allowed = (
                world.works_on_case(log.by, case) if log.transition in sender_side else world.staff_of(log.by, h["to_office_id"])
            )
            if not allowed:
                found.append((f"handoff {pk}", f"{log.transition} by {log.by}"))
    for pk, logs in world.logs["stage"].items():
        case = world.cases[world.stages[pk]["case_id"]]
        stage_handoffs = {f"HO-{h['id']:08d}": h for h in world.handoffs_of_stage.get(pk, [])}
        for log in logs:
            h = stage_handoffs.get(log.description)
            if h is not None and not (world.works_on_case(log.by, case) or world.staff_of(log.by, h["to_office_id"])):
                found.append((f"stage {pk}", f"{log.transition} by {log.by}"))
    assert not found, problems(found, "stage or hand-off transitions taken by someone who may not")


# --- 5. across objects ------------------------------------------------------------------------------


def test_an_ended_case_has_no_open_hand_off(world):
    found = [
        (h["id"], h["state"], f"case {h['case_id']} {world.cases[h['case_id']]['state']}")
        for h in world.handoffs.values()
        if h["state"] in (HandoffState.DRAFT, *OPEN_HANDOFF) and world.cases[h["case_id"]]["state"] not in OPEN_STATES
    ]
    assert not found, problems(found, "open hand-offs of ended cases")


def test_an_activated_case_has_a_finished_assessment_and_a_plan(world):
    """Active and suspended cases, and every case that went through activation (stages are never deleted)."""
    found = []
    has_stage = {stage["case_id"] for stage in world.stages.values()}
    for pk, case in world.cases.items():
        activated = case["state"] in (CaseState.ACTIVE, CaseState.SUSPENDED) or any(
            log.transition == "activate" for log in world.logs["case"].get(pk, [])
        )
        if not activated:
            continue
        if not any(a["finished_at"] for a in world.assessments.get(pk, [])):
            found.append((pk, case["state"], "no finished assessment"))
        if not (case["plan_no_needs"] or pk in has_stage):
            found.append((pk, case["state"], "no stage and no 'no needs'"))
    assert not found, problems(found, "activated cases without a finished assessment or a plan")


def test_closure_reasons_and_ended_cases(world):
    found: list[Any] = [
        (pk, case["state"], case["closure_reason"])
        for pk, case in world.cases.items()
        if (case["state"] == CaseState.CLOSED) != bool(case["closure_reason"])
    ]
    open_cases = Counter(case["person_id"] for case in world.cases.values() if case["state"] in OPEN_STATES)
    found += [(f"person {person}", f"{count} open cases") for person, count in open_cases.items() if count > 1]
    assert not found, problems(found, "cases with a wrong closure reason, or people with several open cases")


def test_plans_and_hand_offs_happen_while_the_case_allows_them(world):
    """A stage is added while the case is in assessment, active or suspended; a hand-off is sent while it is in
    assessment or active (rehab.referrals.services.plan)."""
    found = []
    for stage in world.stages.values():
        state = world.state_at(stage["case_id"], stage["created_at"])
        if state is not None and state not in PLANNABLE_STATES:
            found.append((f"stage {stage['id']}", f"added while case {stage['case_id']} was {state}"))
        if not world.works_on_case(stage["created_by_id"], world.cases[stage["case_id"]]):
            found.append((f"stage {stage['id']}", f"added by {stage['created_by_id']}"))
    for h in world.handoffs.values():
        state = world.state_at(h["case_id"], h["sent_at"])
        if state is not None and state not in REFERRABLE_STATES:
            found.append((f"handoff {h['id']}", f"sent while case {h['case_id']} was {state}"))
    for pk, assessments in world.assessments.items():
        for a in assessments:
            state = world.state_at(pk, a["created_at"])
            if state is not None and state not in (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED):
                found.append((f"assessment {a['id']}", f"started while case {pk} was {state}"))
            if a["finished_at"] is not None:
                state = world.state_at(pk, a["finished_at"])
                if state is not None and state not in (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED):
                    found.append((f"assessment {a['id']}", f"finished while case {pk} was {state}"))
    assert not found, problems(found, "plans, hand-offs or assessments made when the case did not allow it")


def test_hand_offs_go_where_the_catalogue_and_the_law_allow(world):
    """To an office offering a service of the stage, from the case's office by someone working on it; deadlines
    after sending; the legal basis and consent that handoff_send requires."""
    found = []
    for h in world.handoffs.values():
        pk, case = h["id"], world.cases[h["case_id"]]
        stage = world.stages[h["stage_id"]]
        office = world.offices[h["to_office_id"]]
        if h["sent_at"] < stage["created_at"]:
            found.append((pk, "sent before its stage was added"))
        if (h["to_office_id"], h["service"]) not in world.offers or h["service"] not in SERVICES_FOR_STAGE[stage["domain"]]:
            found.append((pk, f"{h['service']} is not offered by office {h['to_office_id']} for a {stage['domain']} stage"))
        if h["from_office_id"] != case["office_id"] or not world.works_on_case(h["sender_id"], case):
            found.append((pk, "not sent from the case's office by someone working on it"))
        sent_on = local_day(h["sent_at"])
        if not (h["respond_by"] and h["complete_by"] and sent_on <= h["respond_by"] <= h["complete_by"]):
            found.append((pk, f"sent {sent_on}, answer by {h['respond_by']}, complete by {h['complete_by']}"))
        shared = set(h["shared"])
        if not shared <= set(ShareCategory.values):
            found.append((pk, f"shares {sorted(shared)}"))
        is_state = office["unit__is_state"]
        basis = LegalBasis.PUBLIC_TASK if is_state else LegalBasis.CONSENT
        if h["legal_basis"] != basis:
            found.append((pk, f"legal basis {h['legal_basis']} for a {'state' if is_state else 'non-state'} office"))
        needs_consent = (shared & SENSITIVE_CATEGORIES) if is_state else shared | {"identity"}
        consent = world.consents.get(h["consent_id"] or 0)
        if needs_consent:
            if consent is None:
                found.append((pk, f"shares {sorted(needs_consent)} without the person's consent"))
            elif (
                consent["person_id"] != case["person_id"]
                or consent["recipient_id"] != h["to_office_id"]
                or not (needs_consent - {"identity"}) <= set(consent["categories"])
                or consent["given_on"] > sent_on
                or (consent["withdrawn_at"] is not None and consent["withdrawn_at"] <= h["sent_at"])
            ):
                found.append((pk, f"consent {consent['id']} does not cover it"))
        elif h["consent_id"] is not None:
            found.append((pk, "a consent where none was needed"))
    assert not found, problems(found, "hand-offs that handoff_send would have refused")


def test_appointments_are_held_and_booked_as_the_services_allow(world):
    found = []
    for a in world.appointments.values():
        pk, case = a["id"], world.cases[a["case_id"]]
        partner_offices = {
            h["to_office_id"]
            for h in world.handoffs_of_case.get(case["id"], [])
            if h["sent_at"] <= a["created_at"] and (h["closed_at"] is None or h["closed_at"] > a["created_at"])
        }
        if a["office_id"] != case["office_id"] and a["office_id"] not in partner_offices:
            found.append((pk, f"held by office {a['office_id']}, neither the case's nor a partner's"))
        if a["office_id"] == case["office_id"]:
            may = world.works_on_case(a["created_by_id"], case)
        else:
            may = world.works_on_case(a["created_by_id"], case) or world.staff_of(a["created_by_id"], a["office_id"])
        if not may:
            found.append((pk, f"booked by {a['created_by_id']}, who may not"))
        if not (case["created_at"] <= a["created_at"] <= world.now):
            found.append((pk, f"booked at {a['created_at']}, outside the case's life until now"))
        elif a["created_at"] > a["starts_at"]:
            found.append((pk, f"booked at {a['created_at']} for {a['starts_at']}: in the past"))
        booked_in = world.state_at(case["id"], a["created_at"])
        if booked_in is not None and booked_in not in OPEN_STATES:
            found.append((pk, f"booked while case {case['id']} was {booked_in}"))
        if a["state"] == AppointmentState.SCHEDULED and case["state"] not in OPEN_STATES:
            found.append((pk, f"still scheduled on a {case['state']} case"))
        if a["state"] in (AppointmentState.ATTENDED, AppointmentState.MISSED) and a["starts_at"] > world.now:
            found.append((pk, f"{a['state']} before its time"))
    assert not found, problems(found, "appointments the services would not have booked or marked")


NOTICE_STEPS = {
    HANDOFF_NEW: LedgerStep.SENT,
    HANDOFF_ACCEPTED: LedgerStep.ACCEPTED,
    HANDOFF_DECLINED: LedgerStep.DECLINED,
    HANDOFF_PROGRESS: LedgerStep.PROGRESS,
    HANDOFF_COMPLETED: LedgerStep.COMPLETED,
    HANDOFF_WITHDRAWN: LedgerStep.WITHDRAWN,
}
TO_RECEIVER = {HANDOFF_NEW, HANDOFF_WITHDRAWN}


def test_notifications_link_to_a_page_their_reader_may_open(world):
    found = []
    users = {u.pk: u for u in User.objects.filter(pk__in={n["user_id"] for n in world.notifications})}
    for n in world.notifications:
        pk, user = n["id"], users[n["user_id"]]
        if kind_of(n["kind"]) is None:
            found.append((pk, f"unknown kind {n['kind']!r}"))
        try:
            match = resolve(n["link"])
        except Resolver404:
            found.append((pk, f"{n['link']!r} leads nowhere"))
            continue
        target = int(match.kwargs.get("pk", 0))
        if match.view_name == "referrals:handoff_detail":
            if not Handoff.objects.visible_to(user).filter(pk=target).exists():
                found.append((pk, f"{user.username} may not open {n['link']}"))
                continue
            h = world.handoffs[target]
            if n["params"].get("number") != f"HO-{target:08d}":
                found.append((pk, f"names {n['params'].get('number')} but links {n['link']}"))
            step = NOTICE_STEPS.get(n["kind"])
            if step is not None and not any(
                e["step"] == step and same_moment(e["at"], n["created_at"]) for e in world.entries.get(target, [])
            ):
                found.append((pk, f"{n['kind']} of HO {target} at {n['created_at']}: no such step then"))
            if n["kind"] in TO_RECEIVER and not world.staff_of(user.pk, h["to_office_id"]):
                found.append((pk, f"{n['kind']} to {user.username}, not the receiving office's staff"))
            if (
                n["kind"] in NOTICE_STEPS
                and n["kind"] not in TO_RECEIVER
                and user.pk not in (h["sender_id"], world.cases[h["case_id"]]["officer_id"])
            ):
                found.append((pk, f"{n['kind']} to {user.username}, not the sender"))
        elif match.view_name == "cases:detail":
            if not Case.objects.visible_to(user).filter(pk=target).exists():
                found.append((pk, f"{user.username} may not open {n['link']}"))
        else:
            found.append((pk, f"{n['link']!r}: no rule here says who may open {match.view_name}"))
        if n["created_at"] > world.now or (n["read_at"] is not None and not n["created_at"] <= n["read_at"] <= world.now):
            found.append((pk, "created or read in the future"))
    assert not found, problems(found, "notifications whose link their reader cannot follow")


def test_nothing_happened_after_now(world):
    found: list[Any] = []

    def check(what: str, pk: Any, *moments: datetime | None) -> None:
        late = [m for m in moments if m is not None and m > world.now]
        if late:
            found.append((f"{what} {pk}", f"at {late[0]}"))

    for pk, case in world.cases.items():
        check("case", pk, case["created_at"], case["plan_approved_at"])
    for kind, objects in world.logs.items():
        for pk, logs in objects.items():
            check(f"{kind} log of", pk, *(log.at for log in logs))
    for assessments in world.assessments.values():
        for a in assessments:
            check("assessment", a["id"], a["created_at"], a["finished_at"])
    for stage in world.stages.values():
        check("stage", stage["id"], stage["created_at"])
    for h in world.handoffs.values():
        check("handoff", h["id"], h["created_at"], h["sent_at"], h["answered_at"], h["closed_at"])
    for pk, chain in world.entries.items():
        check("entries of handoff", pk, *(e["at"] for e in chain))
    for r in world.reoffences:
        check("reoffence", r["id"], r["recorded_at"])
    for a in world.appointments.values():
        check("appointment", a["id"], a["created_at"])
    for n in world.notifications:
        check("notification", n["id"], n["created_at"], n["read_at"])
    for n in world.handoff_notes.values():
        check("handoff note", n["id"], n["created_at"])
    assert not found, problems(found, "rows dated after the moment they were seeded")


def test_notes_and_assessments_are_written_by_who_may(world):
    limit = world.now + timedelta(minutes=10)  # note_add's allowance for a phone's clock
    found = []
    for note in world.contact_notes:
        if not world.works_on_case(note["author_id"], world.cases[note["case_id"]]):
            found.append((f"note {note['id']}", f"by {note['author_id']}"))
        if note["contacted_at"] > limit:
            found.append((f"note {note['id']}", f"contacted at {note['contacted_at']}, in the future"))
    for pk, assessments in world.assessments.items():
        case = world.cases[pk]
        if sum(a["finished_at"] is None for a in assessments) > 1:
            found.append((f"case {pk}", "two draft assessments"))
        for a in assessments:
            if not world.works_on_case(a["author_id"], case):
                found.append((f"assessment {a['id']}", f"by {a['author_id']}"))
            if not case["release_date"] - timedelta(days=365) <= a["assessed_on"] <= world.today:
                found.append((f"assessment {a['id']}", f"assessed on {a['assessed_on']}"))
    assert not found, problems(found, "notes or assessments the services would have refused")


def test_cases_are_staffed_by_their_office_and_one_at_a_time(world):
    """Each case has an officer of its office; case_intake opens no case for a person whose other case is
    still open; every change of state bumped the case's version once."""
    found = []
    periods: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for pk, case in world.cases.items():
        officer = world.users.get(case["officer_id"] or 0)
        if officer is None or officer["role"] != Role.OFFICER or officer["office_id"] != case["office_id"]:
            found.append((pk, f"officer {case['officer_id']} is not an officer of office {case['office_id']}"))
        logs = world.logs["case"].get(pk)
        if logs is not None and case["version"] != 1 + len(logs):
            found.append((pk, f"version {case['version']} after {len(logs)} transitions"))
        if logs and logs[0].at < case["created_at"]:
            found.append((pk, "a transition before the case was opened"))
        ended = world.ended_at(pk)
        if case["state"] in OPEN_STATES or ended is not None:
            periods[case["person_id"]].append((case["created_at"], ended or world.now, pk))
    for person, spans in periods.items():
        spans.sort()
        for (_start, end, before), (start, _end, after) in itertools.pairwise(spans):
            if start < end:
                found.append((f"person {person}", f"case {after} opened at {start} while case {before} was open until {end}"))
    assert not found, problems(found, "cases with the wrong officer or version, or opened beside another open case")
