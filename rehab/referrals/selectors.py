"""Reads for the plan and the hand-offs: the inbox, the sender's list, the plan, the catalogue, and what a
recipient may see of the person (``handoff_projection``: the one place it is decided)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Subquery, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from rehab.cases.extensions import TimelineEntry
from rehab.cases.models import Case as CaseModel
from rehab.cases.models import NeedDomain
from rehab.cases.selectors import assessment_latest_finished
from rehab.reference.models import ServiceOffer, User
from rehab.reference.selectors import offers_of
from rehab.referrals.models import (
    CLOSED_HANDOFF_STATES,
    OPEN_HANDOFF_STATES,
    SERVICES_FOR_STAGE,
    STAGE_FOR_NEED,
    Consent,
    Handoff,
    HandoffState,
    ShareCategory,
    Stage,
    StageDomain,
    StageState,
)

INBOX_TABS = ("new", "overdue", "accepted", "done")
# What the inbox's rows and its export show, and nothing more: not the request, the shared details or
# any other field of the person (the rows are read 25 at a time, or 5,000 for the export).
INBOX_FIELDS = (
    "service",
    "state",
    "respond_by",
    "complete_by",
    "closed_at",
    "to_office",
    "case__state",  # django-fsm reads a model's state fields when it loads one
    "from_office__name_th",
    "from_office__name_en",
    "case__person__first_name_th",
    "case__person__last_name_th",
    "case__person__first_name_en",
    "case__person__last_name_en",
)


def inbox(*, user: Any, tab: str, today: date | None = None) -> QuerySet[Handoff] | OverdueInbox:
    """A receiving office's hand-offs: new (waiting for an answer), overdue, accepted, done."""
    today = today or timezone.localdate()
    handoffs = Handoff.objects.visible_to(user).select_related("from_office", "case__person").only(*INBOX_FIELDS)
    if tab == "overdue":
        return OverdueInbox(handoffs, office_id=user.office_id, today=today)
    if tab == "accepted":
        return handoffs.filter(state=HandoffState.ACCEPTED).order_by("complete_by", "id")
    if tab == "done":
        return handoffs.filter(state__in=CLOSED_HANDOFF_STATES).order_by("-closed_at", "-id")
    return handoffs.filter(state=HandoffState.SENT).order_by("respond_by", "id")


class OverdueInbox:
    """The overdue tab, the longest overdue first: a hand-off waiting for an answer by its answer-by date,
    an accepted one by its complete-by date. Sliced like a list of hand-offs (the paginator and the
    export do), each slice one query: its ids come from the partial indexes ``handoff_sent`` and
    ``handoff_accepted`` alone (``OVERDUE_PAGE``), and only those rows are read. Sorting every overdue
    hand-off of a busy office with its row, as one query ordered on an OR did, read thousands of rows
    for a page of 25. The ids are of the user's office; the hand-offs are read through what the user
    may see, so the ids can never show more."""

    def __init__(self, handoffs: QuerySet[Handoff], *, office_id: int | None, today: date) -> None:
        self.handoffs = handoffs
        self.office_id = office_id
        self.today = today
        self.late_answers = handoffs.filter(state=HandoffState.SENT, respond_by__lt=today)
        self.late_completions = handoffs.filter(state=HandoffState.ACCEPTED, complete_by__lt=today)

    def __len__(self) -> int:
        return self.late_answers.count() + self.late_completions.count()

    def __getitem__(self, index: slice) -> list[Handoff]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("the overdue inbox is read a slice at a time")
        offset = index.start or 0
        limit = (index.stop if index.stop is not None else offset + len(self)) - offset
        if limit <= 0:
            return []
        page = RawSQL(  # noqa: S611 - our own text; the values are parameters
            OVERDUE_PAGE.format(table=connection.ops.quote_name(Handoff._meta.db_table)),
            [self.office_id, HandoffState.SENT, self.today, self.office_id, HandoffState.ACCEPTED, self.today, limit, offset],
        )
        deadline = Case(When(state=HandoffState.SENT, then=F("respond_by")), default=F("complete_by"))
        return list(self.handoffs.filter(pk__in=page).annotate(deadline=deadline).order_by("deadline", "pk"))


OVERDUE_PAGE = """SELECT id FROM (
    SELECT id, respond_by AS deadline FROM {table} WHERE to_office_id = %s AND state = %s AND respond_by < %s
    UNION ALL
    SELECT id, complete_by AS deadline FROM {table} WHERE to_office_id = %s AND state = %s AND complete_by < %s
) overdue ORDER BY deadline, id LIMIT %s OFFSET %s"""


class _Count(Subquery):
    """The number of rows of a query, as a value of another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def inbox_counts(*, user: Any, today: date | None = None) -> dict[str, int]:
    """The open tabs' counts, in one query of four counts, each answered by a partial index of open
    hand-offs (``handoff_sent``, ``handoff_accepted``) without reading a row. The done tab shows no count."""
    today = today or timezone.localdate()
    handoffs = Handoff.objects.visible_to(user).order_by()
    sent = handoffs.filter(state=HandoffState.SENT)
    accepted = handoffs.filter(state=HandoffState.ACCEPTED)
    counts = (
        User.objects.filter(pk=user.pk)
        .values(
            new=_Count(sent.values("pk")),
            sent_late=_Count(sent.filter(respond_by__lt=today).values("pk")),
            accepted=_Count(accepted.values("pk")),
            accepted_late=_Count(accepted.filter(complete_by__lt=today).values("pk")),
        )
        .get()
    )
    return {"new": counts["new"], "overdue": counts["sent_late"] + counts["accepted_late"], "accepted": counts["accepted"]}


def sender_handoffs(*, user: Any, state: str = "") -> QuerySet[Handoff]:
    handoffs = Handoff.objects.visible_to(user).select_related("to_office", "case__person", "stage")
    if state == "open":
        handoffs = handoffs.filter(state__in=[HandoffState.SENT, HandoffState.ACCEPTED])
    elif state in HandoffState.values:
        handoffs = handoffs.filter(state=state)
    return handoffs.order_by("-sent_at", "-id")


def catalogue_for_stage(*, stage: Stage, province_code: str | None = None) -> QuerySet[ServiceOffer]:
    """The offices that offer a service for this stage, in one province (the case office's by default)."""
    return offers_of(services=SERVICES_FOR_STAGE[stage.domain], province_code=province_code or stage.case.office.province_id)


@dataclass
class Projection:
    """What the receiving office sees of the person: identity always, the rest only as shared and allowed."""

    name: str
    date_of_birth: date
    national_id: str
    contact: dict[str, str] | None = None
    need: dict[str, str] | None = None
    offence: dict[str, Any] | None = None
    health: dict[str, str] | None = None
    withheld: list[str] = field(default_factory=list)


STAGE_NEED = {
    "education": NeedDomain.EDUCATION,
    "employment": NeedDomain.WORK,
    "health": NeedDomain.HEALTH,
    "welfare": NeedDomain.HOUSING,
    "documents": NeedDomain.DOCUMENTS,
    "legal_aid": NeedDomain.LEGAL_AID,
}


def handoff_projection(handoff: Handoff) -> Projection:
    case = handoff.case
    person = case.person
    shared = set(handoff.shared)
    consent_holds = handoff.consent is not None and handoff.consent.is_active
    projection = Projection(name=person.full_name, date_of_birth=person.date_of_birth, national_id=person.national_id)
    if ShareCategory.CONTACT in shared:
        projection.contact = {"phone": person.phone, "district": str(person.home_district or "")}
    assessment = assessment_latest_finished(case_id=case.pk)
    needs = {need.domain: need for need in assessment.needs.all()} if assessment else {}
    domain = STAGE_NEED.get(handoff.stage.domain)
    if ShareCategory.NEEDS in shared and domain in needs and domain != NeedDomain.HEALTH:
        projection.need = {"level": needs[domain].get_level_display(), "note": needs[domain].note}
    for category in (ShareCategory.OFFENCE, ShareCategory.HEALTH):
        if category in shared and not (consent_holds and category in handoff.consent.categories):  # type: ignore[union-attr]
            projection.withheld.append(str(category.label))
    if ShareCategory.OFFENCE in shared and str(ShareCategory.OFFENCE.label) not in projection.withheld:
        projection.offence = {
            "category": case.get_offence_category_display(),
            "sentence_months": case.sentence_months,
            "release_type": case.get_release_type_display(),
        }
    if (
        ShareCategory.HEALTH in shared
        and str(ShareCategory.HEALTH.label) not in projection.withheld
        and NeedDomain.HEALTH in needs
    ):
        projection.health = {"level": needs[NeedDomain.HEALTH].get_level_display(), "note": needs[NeedDomain.HEALTH].note}
    return projection


def handoff_visible(*, user: Any, pk: int) -> Handoff | None:
    """The hand-off if ``user`` may see it (its sender's side, or its receiving office), else None."""
    return (
        Handoff.objects.visible_to(user)
        .select_related("case__person__home_district", "case__office", "stage", "to_office", "from_office", "sender", "consent")
        .filter(pk=pk)
        .first()
    )


def handoffs_of_case(*, case: CaseModel) -> QuerySet[Handoff]:
    return Handoff.objects.filter(case=case)


def stages_of_case(*, case: CaseModel) -> QuerySet[Stage]:
    return Stage.objects.filter(case=case)


def stages_in_plan_order(case: CaseModel) -> list[Stage]:
    """The plan's stages in the order of the domains (education first), with their hand-offs."""
    stages = Stage.objects.filter(case=case).prefetch_related("handoffs__to_office")
    return sorted(stages, key=lambda stage: StageDomain.values.index(stage.domain))


def plan_proposed_domains(*, case: CaseModel) -> list[str]:
    """Stage domains the latest finished assessment asks for that the plan does not have yet."""
    assessment = assessment_latest_finished(case_id=case.pk)
    if assessment is None:
        return []
    existing = set(Stage.objects.filter(case=case).values_list("domain", flat=True))
    wanted = []
    for need in assessment.needs.all():
        domain = STAGE_FOR_NEED[NeedDomain(need.domain)]
        if need.needs_stage and domain not in existing and domain not in wanted:
            wanted.append(domain)
    return sorted(wanted, key=StageDomain.values.index)


def consent_for(*, person_id: int, office_id: int, categories: set[str]) -> Consent | None:
    """An active consent of the person to this recipient that covers every category."""
    for consent in Consent.objects.active().filter(person_id=person_id, recipient_id=office_id):
        if categories <= set(consent.categories):
            return consent
    return None


def consents_of(*, person_id: int) -> QuerySet[Consent]:
    return Consent.objects.filter(person_id=person_id).select_related("recipient")


def open_handoff_count(case: CaseModel) -> int:
    return Handoff.objects.filter(case=case, state__in=OPEN_HANDOFF_STATES).count()


def serving_office_ids(case: CaseModel) -> list[int]:
    """The receiving offices of the case's hand-offs that are under way (sent or accepted)."""
    return list(
        Handoff.objects.filter(case=case, state__in=[HandoffState.SENT, HandoffState.ACCEPTED]).values_list(
            "to_office_id", flat=True
        )
    )


def latest_handoff_to(*, case: CaseModel, office_id: int) -> Handoff | None:
    return Handoff.objects.filter(case=case, to_office_id=office_id).exclude(state=HandoffState.DRAFT).order_by("-id").first()


def plan_timeline(case: CaseModel) -> list[TimelineEntry]:
    """The steps of the case's stages and hand-offs, for the case's timeline."""
    stage_labels, handoff_labels = dict(StageState.choices), dict(HandoffState.choices)
    stages = {stage.pk: stage for stage in Stage.objects.filter(case=case)}
    handoffs = {handoff.pk: handoff for handoff in Handoff.objects.filter(case=case).select_related("to_office")}
    if not stages and not handoffs:
        return []
    entries = []
    for log in StateLog.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Stage), object_id__in=list(stages))
        | Q(content_type=ContentType.objects.get_for_model(Handoff), object_id__in=list(handoffs))
    ).select_related("by", "content_type"):
        if log.content_type.model == Stage._meta.model_name:
            stage = stages[log.object_id]
            title = _("Stage %(domain)s: %(state)s") % {
                "domain": stage.get_domain_display(),
                "state": stage_labels.get(log.state, log.state),
            }
            kind, body = "stage", ""
        else:
            handoff = handoffs[log.object_id]
            title = _("Hand-off %(number)s to %(office)s: %(state)s") % {
                "number": handoff.number,
                "office": handoff.to_office.name,
                "state": handoff_labels.get(log.state, log.state),
            }
            kind, body = "handoff", log.description or ""
        entries.append(TimelineEntry(at=log.timestamp, kind=kind, title=title, body=body, by=str(log.by) if log.by else ""))
    return entries
