"""Feature snapshots of cases from the database, as known on a date.

A case's history is read in bulk (a few queries per chunk of cases, never one per case) and turned
into the plain event lists of ``analytics.risk.asof.snapshot_features``, which ignores everything
dated after the snapshot date: a score for date D uses only what was known on D.

Dated means known: appointments by their time, hand-off outcomes by when they were closed,
assessments by when they were finished.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from analytics.risk.asof import NEEDS_DOMAINS, snapshot_features
from rehab.cases.models import OPEN_STATES, Appointment, AppointmentState, Assessment, Case, NeedLevel, Reoffence
from rehab.core.bulk import ids_in, query_frame
from rehab.reference.models import ServiceKind
from rehab.referrals.models import Handoff, HandoffOutcome, HandoffState

# NeedDomain codes as the feature registry names them, and back.
NEED_FEATURE = {"legal_aid": "legal"}
NEED_CODE = {feature: code for code, feature in NEED_FEATURE.items()}
EMPLOYMENT_OUTCOMES = {HandoffOutcome.PLACED}


def _day(moment: datetime | date) -> date:
    """The Bangkok date of a moment (or the date itself)."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


@dataclass
class CaseHistory:
    case_id: int
    person_id: int
    released_on: date
    state: str
    static: dict[str, Any]
    ended_on: date | None = None  # closed (death, deportation...): no follow-up after it
    first_reoffence: date | None = None
    appointments: list[tuple[date, str]] = field(default_factory=list)
    employment: list[tuple[date, date | None]] = field(default_factory=list)
    programmes: list[tuple[date, str]] = field(default_factory=list)
    handoffs: list[tuple[date, str]] = field(default_factory=list)
    assessments: list[tuple[date, list[str]]] = field(default_factory=list)

    def snapshot(self, as_of: date) -> dict[str, Any]:
        return snapshot_features(
            released_on=self.released_on,
            as_of=as_of,
            static=self.static,
            appointments=self.appointments,
            employment=self.employment,
            programmes=self.programmes,
            handoffs=self.handoffs,
            assessments=self.assessments,
        )


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


STATIC_FEATURES = (
    "age_at_release",
    "sex",
    "prior_convictions",
    "sentence_months",
    "offence_category",
    "release_type",
    "region",
)
# Where they come from, after the case's release date (the region: where the person lives, else the office's).
STATIC_SOURCES = (
    "person__date_of_birth",
    "person__sex",
    "prior_convictions",
    "sentence_months",
    "offence_category",
    "release_type",
    "person__home_district__province__region_id",
    "office__province__region_id",
)


def _static_features(
    released: date, born: date, sex: str, priors: int, sentence: int, offence: str, release_type: str, home: Any, office: Any
) -> tuple[Any, ...]:
    """The static features, in STATIC_FEATURES order, from the values of STATIC_SOURCES."""
    return (_age(born, released), sex, priors, sentence, offence, release_type, home or office)


def case_histories(case_ids: Sequence[int]) -> dict[int, CaseHistory]:
    """The histories of these cases, in six queries whatever their number."""
    histories: dict[int, CaseHistory] = {}
    for pk, person_id, released, state, updated, *facts in Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "person_id", "release_date", "state", "updated_at", *STATIC_SOURCES
    ):
        histories[pk] = CaseHistory(
            case_id=pk,
            person_id=person_id,
            released_on=released,
            state=state,
            ended_on=_day(updated) if state == "closed" else None,
            static=dict(zip(STATIC_FEATURES, _static_features(released, *facts), strict=True)),
        )
    # The first new offence of the person after this release, whichever case it was recorded on: a reoffence
    # belongs to the person's history (reported during supervision or after it ended).
    by_person: dict[int, list[CaseHistory]] = defaultdict(list)
    for history in histories.values():
        by_person[history.person_id].append(history)
    for person_id, day in (
        Reoffence.objects.filter(person_id__in=list(by_person)).values_list("person_id", "offence_date").order_by("offence_date")
    ):
        for history in by_person[person_id]:
            if history.first_reoffence is None and day > history.released_on:
                history.first_reoffence = day
    for case_id, starts_at, state in Appointment.objects.filter(
        case_id__in=case_ids, state__in=[AppointmentState.ATTENDED, AppointmentState.MISSED]
    ).values_list("case_id", "starts_at", "state"):
        histories[case_id].appointments.append((_day(starts_at), state))
    for case_id, closed_at, outcome, service in Handoff.objects.filter(
        case_id__in=case_ids, state=HandoffState.COMPLETED, closed_at__isnull=False
    ).values_list("case_id", "closed_at", "outcome", "service"):
        day = _day(closed_at)
        histories[case_id].handoffs.append((day, "completed"))
        if outcome in EMPLOYMENT_OUTCOMES:
            histories[case_id].employment.append((day, None))
        if service == ServiceKind.BEHAVIOUR_PROGRAMME or outcome in (HandoffOutcome.PROGRAMME_COMPLETED, HandoffOutcome.TRAINED):
            histories[case_id].programmes.append((day, "completed"))
    needs: dict[int, list[str]] = defaultdict(list)
    finished: dict[int, tuple[int, date]] = {}
    for assessment_id, case_id, finished_at, domain, level in Assessment.objects.filter(
        case_id__in=case_ids, finished_at__isnull=False
    ).values_list("pk", "case_id", "finished_at", "needs__domain", "needs__level"):
        finished[assessment_id] = (case_id, _day(finished_at))  # type: ignore[arg-type]  # filtered to not null above
        if domain and level and level != NeedLevel.NONE:
            needs[assessment_id].append(NEED_FEATURE.get(domain, domain))
    for assessment_id, (case_id, day) in finished.items():
        histories[case_id].assessments.append((day, needs.get(assessment_id, [])))
    return histories


PROGRAMME_OUTCOMES = (HandoffOutcome.PROGRAMME_COMPLETED, HandoffOutcome.TRAINED)
SNAPSHOT_COLUMNS = (
    *STATIC_FEATURES,
    "days_since_release",
    "missed_appointments_60d",
    "attended_appointments_60d",
    "employed",
    "days_employed",
    "programme_completed",
    "handoffs_completed",
    *(f"needs_{domain}" for domain in NEEDS_DOMAINS),
)


def _midnight(day: date) -> datetime:
    """The first moment of a Bangkok day, for comparing timestamps with dates."""
    return timezone.make_aware(datetime.combine(day, time.min))


def snapshot_frame(case_ids: Sequence[int] | None, as_of: date, *, open_only: bool = False) -> pd.DataFrame:
    """The feature snapshots on ``as_of`` of these cases (``None``: every case), one row a case (indexed by
    case id), computed in the database: four queries whatever the number of cases, read into
    pandas by COPY (rehab.bulk.query_frame), and no event list or row loop in Python. ``open_only``
    keeps the open cases: the nightly job reads every open case at once, so the database joins and
    aggregates whole tables once rather than looking each case up.

    Row for row the same values as ``case_histories(ids)[id].snapshot(as_of)`` (a test holds the two
    together): an event counts when its Bangkok date is on or before ``as_of``, so a score for D never
    sees anything dated after D. Cases released after ``as_of`` are left out.
    """
    end = _midnight(as_of + timedelta(days=1))  # dated on or before as_of
    window_start = _midnight(as_of - timedelta(days=59))  # the 60 days ending on as_of

    def of_cases(prefix: str) -> Q:
        """The cases asked for, as a filter of a table that points at them through ``prefix``."""
        chosen = Q(**{f"{prefix}release_date__lte": as_of})
        if open_only:
            chosen &= Q(**{f"{prefix}state__in": OPEN_STATES})
        if case_ids is not None:
            chosen &= Q(**{f"{prefix}pk__in": ids_in(case_ids)})
        return chosen

    frame = query_frame(
        Case.objects.filter(of_cases("")).order_by("pk").values_list("pk", "release_date", *STATIC_SOURCES),
        ["case_id", "released_on", "born", *STATIC_FEATURES[1:-1], "home_region", "office_region"],
        text=["sex", "offence_category", "release_type", "home_region", "office_region"],
    ).set_index("case_id")
    released = pd.to_datetime(frame.pop("released_on"), format="ISO8601")
    born = pd.to_datetime(frame.pop("born"), format="ISO8601")
    before_birthday = (released.dt.month < born.dt.month) | (
        (released.dt.month == born.dt.month) & (released.dt.day < born.dt.day)
    )
    frame.insert(0, "age_at_release", released.dt.year - born.dt.year - before_birthday.astype(int))
    home, office = frame.pop("home_region"), frame.pop("office_region")
    frame["region"] = home.where(home.notna() & (home != ""), office)
    frame["days_since_release"] = (pd.Timestamp(as_of) - released).dt.days

    appointments = query_frame(
        Appointment.objects.filter(
            of_cases("case__"),
            state__in=[AppointmentState.ATTENDED, AppointmentState.MISSED],
            starts_at__gte=window_start,
            starts_at__lt=end,
        )
        .order_by()
        .values("case_id")
        .annotate(
            missed=Count("pk", filter=Q(state=AppointmentState.MISSED)),
            attended=Count("pk", filter=Q(state=AppointmentState.ATTENDED)),
        ),
        ["case_id", "missed", "attended"],
    ).set_index("case_id")
    frame["missed_appointments_60d"] = _counts(appointments["missed"], frame.index)
    frame["attended_appointments_60d"] = _counts(appointments["attended"], frame.index)

    handoffs = query_frame(
        Handoff.objects.filter(of_cases("case__"), state=HandoffState.COMPLETED, closed_at__isnull=False, closed_at__lt=end)
        .order_by()
        .values("case_id")
        .annotate(
            # Not of the id: the partial index handoff_case_completed answers these without the table.
            completed=Count("*"),
            first_placed=Min("closed_at", filter=Q(outcome__in=EMPLOYMENT_OUTCOMES)),
            programmes=Count("service", filter=Q(service=ServiceKind.BEHAVIOUR_PROGRAMME) | Q(outcome__in=PROGRAMME_OUTCOMES)),
        ),
        ["case_id", "completed", "first_placed", "programmes"],
    ).set_index("case_id")
    # Employment spells come from placements and last until today: in work from the first one on.
    placed_on = _bangkok_days(handoffs["first_placed"]).reindex(frame.index)
    frame["employed"] = placed_on.notna().to_numpy()
    frame["days_employed"] = ((pd.Timestamp(as_of) - placed_on).dt.days + 1).fillna(0).astype(int).to_numpy()
    frame["programme_completed"] = _counts(handoffs["programmes"], frame.index) > 0
    frame["handoffs_completed"] = _counts(handoffs["completed"], frame.index)

    # The needs of the latest assessment finished on or before as_of (None before any): the domains it
    # found a need in, kept on the assessment when it was finished (Assessment.domains_in_need).
    assessments = query_frame(
        Assessment.objects.filter(of_cases("case__"), finished_at__isnull=False, finished_at__lt=end)
        .order_by("case_id", "-finished_at", "-pk")
        .values_list("case_id", "domains_in_need"),
        ["case_id", "domains_in_need"],
        text=["domains_in_need"],
    ).drop_duplicates("case_id")  # the first of each case is its latest
    latest = assessments.set_index("case_id")["domains_in_need"].reindex(frame.index)
    assessed = latest.notna().to_numpy()
    # At most 128 distinct texts (seven domains): each is split once, then every case looks its own up.
    texts, distinct = pd.factorize(latest.fillna(""))
    found = [set(text.split()) for text in distinct]
    for domain in NEEDS_DOMAINS:
        code = NEED_CODE.get(domain, domain)
        has_need = np.array([code in domains for domains in found], dtype=bool)
        column = pd.Series(has_need[texts], index=frame.index, dtype=object)
        column[~assessed] = None
        frame[f"needs_{domain}"] = column
    return frame[list(SNAPSHOT_COLUMNS)]


def _counts(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Counts by case id, 0 for the cases without a row."""
    return values.reindex(index).fillna(0).astype(int).to_numpy()


def _bangkok_days(moments: pd.Series) -> pd.Series:
    """The Bangkok dates (as midnight timestamps) of UTC moments given as text; missing stays missing."""
    parsed = pd.to_datetime(moments, utc=True, format="ISO8601")
    return parsed.dt.tz_convert(settings.TIME_ZONE).dt.tz_localize(None).dt.normalize()


def chunked(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Training takes several snapshots of each case: at release and after these many days.
SNAPSHOT_OFFSETS = (0, 90, 180, 365)


def training_rows(
    *, released_from: date, released_to: date, today: date | None = None, chunk_size: int = 5000, max_cases: int | None = None
) -> Iterator[dict[str, Any]]:
    """Episode rows for training: one per case and snapshot date, with the features known on that date.

    ``max_cases`` takes an evenly spread sample of the cases (a million-person database has more than a
    model needs). ``as_of`` of a row is its snapshot date (the horizon runs from it); ``reoffended_on`` is the first
    reoffence after release; ``followed_until`` is today, or the day a closed case ended. Snapshots after a
    reoffence, or in the future, are not taken.
    """
    today = today or timezone.localdate()
    ids: Iterable[int] = (
        Case.objects.filter(release_date__gte=released_from, release_date__lte=released_to)
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator(chunk_size=chunk_size)
    )
    if max_cases is not None:
        # An evenly spread sample, the same every time: every k-th case in id order.
        every = list(ids)
        ids = every[:: max(1, -(-len(every) // max_cases))]
    for chunk in chunked(ids, chunk_size):
        for history in case_histories(chunk).values():
            followed_until = history.ended_on or today
            for offset in SNAPSHOT_OFFSETS:
                as_of = date.fromordinal(history.released_on.toordinal() + offset)
                if as_of > followed_until or (history.first_reoffence is not None and history.first_reoffence <= as_of):
                    break
                yield {
                    **history.snapshot(as_of),
                    "released_on": history.released_on,
                    "as_of": as_of,
                    "reoffended_on": history.first_reoffence,
                    "followed_until": followed_until,
                    "person_id": history.person_id,
                }
