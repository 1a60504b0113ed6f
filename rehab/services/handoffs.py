"""The plan and the hand-offs between agencies: every write, one atomic function per use case.

Each hand-off step changes the hand-off, moves its stage to follow it, appends a signed entry
to the chained transaction record, notifies the other side, and writes an audit event.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.tasks import rescore_after_commit
from rehab.bulk import array_text, rows_insert
from rehab.dates import format_date
from rehab.exceptions import ApplicationError
from rehab.models import (
    OPEN_HANDOFF_STATES,
    SENSITIVE_CATEGORIES,
    SERVICES_FOR_STAGE,
    STAGE_FOR_NEED,
    AuditAction,
    Case,
    CaseState,
    Consent,
    Escalation,
    EscalationBreach,
    Handoff,
    HandoffNote,
    HandoffOutcome,
    HandoffState,
    LedgerStep,
    LegalBasis,
    NeedDomain,
    Notification,
    NotificationKind,
    PublicHoliday,
    Role,
    ServiceOffer,
    ShareCategory,
    Stage,
    StageDomain,
    StageState,
    User,
)
from rehab.services.audit import audit_record
from rehab.services.ledger import ledger_append, ledger_append_many
from rehab.workdays import add_working_days

PLANNABLE_STATES = (CaseState.ASSESSMENT, CaseState.ACTIVE, CaseState.SUSPENDED)
REFERRABLE_STATES = (CaseState.ASSESSMENT, CaseState.ACTIVE)


def holidays_between(start: date, end: date) -> list[date]:
    return list(PublicHoliday.objects.filter(day__gte=start, day__lte=end).values_list("day", flat=True))


def deadline_after(start: date, working_days: int) -> date:
    # Holidays are few: fetch a generous window once (every 5 working days span at most 7 calendar days + holidays).
    window_end = start + timedelta(days=working_days * 2 + 30)
    return add_working_days(start, working_days, holidays_between(start, window_end))


# --- the plan ----------------------------------------------------------------------------------


def _check_may_plan(*, case: Case, by: User) -> None:
    if not by.has_perm("rehab.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may change its plan."))
    if case.state not in PLANNABLE_STATES:
        raise ApplicationError(_("The plan can be changed once the needs assessment has started and while the case is open."))


def plan_proposed_domains(*, case: Case) -> list[str]:
    """Stage domains the latest finished assessment asks for that the plan does not have yet."""
    assessment = case.assessments.filter(finished_at__isnull=False).prefetch_related("needs").first()
    if assessment is None:
        return []
    existing = set(case.stages.values_list("domain", flat=True))
    wanted = []
    for need in assessment.needs.all():
        domain = STAGE_FOR_NEED[NeedDomain(need.domain)]
        if need.needs_stage and domain not in existing and domain not in wanted:
            wanted.append(domain)
    return sorted(wanted, key=StageDomain.values.index)


def stage_add(*, case: Case, by: User, domain: str, goal: str) -> Stage:
    _check_may_plan(case=case, by=by)
    if domain not in StageDomain.values:
        raise ApplicationError(_("Choose the domain of the stage."), field="domain")
    if not goal.strip():
        raise ApplicationError(_("Write the goal of this stage."), field="goal")
    with transaction.atomic():
        if case.stages.filter(domain=domain).exists():
            raise ApplicationError(_("The plan already has a stage for this domain."), field="domain")
        stage = Stage.objects.create(case=case, domain=domain, goal=goal.strip(), created_by=by)
        if case.plan_no_needs:
            Case.objects.filter(pk=case.pk).update(plan_no_needs=False)
        audit_record(actor=by, action=AuditAction.CREATE, obj=stage, detail={"case": case.pk, "domain": domain})
    return stage


def plan_record_no_needs(*, case: Case, by: User) -> None:
    _check_may_plan(case=case, by=by)
    if case.stages.exclude(state=StageState.DISCONTINUED).exists():
        raise ApplicationError(_("The plan has stages: discontinue them before recording that there are no needs."))
    Case.objects.filter(pk=case.pk).update(plan_no_needs=True)
    audit_record(actor=by, action=AuditAction.UPDATE, obj=case, detail={"change": "plan_no_needs"})


def stage_discontinue(*, stage_id: int, by: User, reason: str) -> Stage:
    if not reason.strip():
        raise ApplicationError(_("Give a reason: it is kept in the case's history."), field="reason")
    with transaction.atomic():
        stage = Stage.objects.select_for_update(of=("self",)).select_related("case").get(pk=stage_id)
        _check_may_plan(case=stage.case, by=by)
        if stage.handoffs.filter(state__in=OPEN_HANDOFF_STATES).exists():
            raise ApplicationError(_("Withdraw the open hand-off of this stage first."))
        if not stage.is_open:
            raise ApplicationError(_("This stage is already finished."))
        stage.discontinue(by=by, description=reason.strip())
        stage.save()
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=stage, detail={"transition": "discontinue"})
    return stage


# --- sending -----------------------------------------------------------------------------------


def consent_for(*, person_id: int, office_id: int, categories: set[str]) -> Consent | None:
    """An active consent of the person to this recipient that covers every category."""
    for consent in Consent.objects.active().filter(person_id=person_id, recipient_id=office_id):
        if categories <= set(consent.categories):
            return consent
    return None


def consent_record(*, case: Case, by: User, recipient_id: int, categories: list[str], given_on: date) -> Consent:
    if not by.has_perm("rehab.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may record a consent."))
    unknown = set(categories) - set(ShareCategory.values)
    if unknown or not categories:
        raise ApplicationError(_("Choose what the person agreed to share."), field="categories")
    if given_on > timezone.localdate():
        raise ApplicationError(_("A consent cannot be dated in the future."), field="given_on")
    consent = Consent.objects.create(
        person_id=case.person_id, recipient_id=recipient_id, categories=sorted(categories), given_on=given_on, recorded_by=by
    )
    audit_record(actor=by, action=AuditAction.CREATE, obj=consent, detail={"case": case.pk, "categories": sorted(categories)})
    return consent


def consent_withdraw(*, consent_id: int, by: User, case: Case) -> Consent:
    if not by.has_perm("rehab.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may record a withdrawal."))
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent_id, person_id=case.person_id)
        if consent.withdrawn_at is None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            audit_record(actor=by, action=AuditAction.UPDATE, obj=consent, detail={"change": "withdrawn"})
    return consent


def handoff_send(
    *,
    stage_id: int,
    offer_id: int,
    by: User,
    request: str,
    shared: list[str],
    respond_by: date | None = None,
    complete_by: date | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Handoff:
    """Send a stage to a partner office that offers the service. Sending twice with the same key sends once."""
    if idempotency_key is not None:
        existing = Handoff.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not request.strip():
        raise ApplicationError(_("Write what you ask the partner office to do."), field="request")
    shared_set = set(shared)
    if shared_set - set(ShareCategory.values):
        raise ApplicationError(_("Choose what is shared from the list."), field="shared")
    today = timezone.localdate()
    try:
        with transaction.atomic():
            stage = Stage.objects.select_for_update(of=("self",)).select_related("case", "case__person").get(pk=stage_id)
            if idempotency_key is not None:
                # The same form sent twice at once: the request that waited for the stage's lock
                # finds the hand-off the other one sent, and returns it instead of refusing.
                already_sent = Handoff.objects.filter(idempotency_key=idempotency_key).first()
                if already_sent is not None:
                    return already_sent
            case = stage.case
            if not by.has_perm("rehab.work_on_case", case):
                raise ApplicationError(_("Only the case's officer or the supervisor of its office may send a hand-off."))
            if case.state not in REFERRABLE_STATES:
                raise ApplicationError(_("Hand-offs are sent while the case is in assessment or active."))
            if stage.state != StageState.PLANNED:
                open_handoff = stage.handoffs.filter(state__in=OPEN_HANDOFF_STATES).first()
                if open_handoff is not None:
                    raise ApplicationError(
                        _("This stage already has an open hand-off (%(number)s).") % {"number": open_handoff.number}
                    )
                raise ApplicationError(_("This stage is finished; add a new stage instead."))
            offer = ServiceOffer.objects.select_related("office__unit").filter(pk=offer_id).first()
            if offer is None or not offer.active or offer.service not in SERVICES_FOR_STAGE[stage.domain]:
                raise ApplicationError(_("This office does not offer a service for this stage."), field="offer")

            respond_by = respond_by or deadline_after(today, offer.respond_days)
            complete_by = complete_by or deadline_after(today, offer.complete_days)
            if respond_by < today:
                raise ApplicationError(_("The answer deadline cannot be in the past."), field="respond_by")
            if complete_by < respond_by:
                raise ApplicationError(_("The completion deadline cannot come before the answer deadline."), field="complete_by")

            sensitive = shared_set & SENSITIVE_CATEGORIES
            needs_consent = sensitive if offer.office.unit.is_state else shared_set | {"identity"}
            consent = None
            if needs_consent:
                consent = consent_for(
                    person_id=case.person_id, office_id=offer.office_id, categories=needs_consent - {"identity"}
                )
                if consent is None:
                    if offer.office.unit.is_state:
                        raise ApplicationError(
                            _(
                                "Offence and health details go only to a recipient the person has consented to. "
                                "Record the person's consent for this office, or do not share them."
                            ),
                            field="shared",
                        )
                    raise ApplicationError(
                        _("This office is not a state agency: a hand-off to it needs the person's recorded consent."),
                        field="offer",
                    )
            legal_basis = LegalBasis.PUBLIC_TASK if offer.office.unit.is_state else LegalBasis.CONSENT

            handoff = Handoff.objects.create(
                case=case,
                stage=stage,
                from_office_id=case.office_id,
                to_office_id=offer.office_id,
                service=offer.service,
                sender=by,
                request=request.strip(),
                shared=sorted(shared_set),
                legal_basis=legal_basis,
                consent=consent,
                respond_by=respond_by,
                complete_by=complete_by,
                idempotency_key=idempotency_key,
            )
            handoff.send(by=by, description="")
            handoff.sent_at = timezone.now()
            handoff.save()
            stage.refer(by=by, description=handoff.number)
            stage.save()
            ledger_append(
                handoff=handoff,
                step=LedgerStep.SENT,
                actor=by,
                payload={
                    "case": case.pk,
                    "from_office": case.office_id,
                    "to_office": offer.office_id,
                    "service": offer.service,
                    "shared": sorted(shared_set),
                    "legal_basis": legal_basis,
                    "consent": consent.pk if consent else None,
                    "respond_by": respond_by.isoformat(),
                    "complete_by": complete_by.isoformat(),
                    "request_sha256": hashlib.sha256(request.strip().encode()).hexdigest(),
                },
            )
            _notify_office(handoff.to_office_id, NotificationKind.HANDOFF_NEW, handoff)
            audit_record(actor=by, action=AuditAction.CREATE, obj=handoff, detail={"case": case.pk, "to_office": offer.office_id})
            return handoff
    except IntegrityError:
        # The same form arrived twice at the same moment: the first one won.
        if idempotency_key is not None:
            existing = Handoff.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


# --- the receiving office ------------------------------------------------------------------


def _lock_handoff(handoff_id: int) -> Handoff:
    return Handoff.objects.select_for_update(of=("self",)).select_related("stage", "case").get(pk=handoff_id)


def _check_receiver(handoff: Handoff, by: User) -> None:
    if by.role != Role.AGENCY_STAFF or by.office_id != handoff.to_office_id:
        raise ApplicationError(_("Only staff of the receiving office may answer this hand-off."))


def _state_error(handoff: Handoff) -> ApplicationError:
    return ApplicationError(
        _("This hand-off is already “%(state)s”; nothing was changed.") % {"state": handoff.get_state_display()}
    )


def handoff_accept(*, handoff_id: int, by: User) -> Handoff:
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        _check_receiver(handoff, by)
        if handoff.state != HandoffState.SENT:
            raise _state_error(handoff)
        handoff.accept(by=by, description="")
        handoff.answered_at, handoff.answered_by = timezone.now(), by
        handoff.save()
        handoff.stage.start(by=by, description=handoff.number)
        handoff.stage.save()
        ledger_append(handoff=handoff, step=LedgerStep.ACCEPTED, actor=by, payload={})
        _notify_sender(handoff, NotificationKind.HANDOFF_ACCEPTED)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "accept"})
    return handoff


def handoff_decline(*, handoff_id: int, by: User, reason: str) -> Handoff:
    if not reason.strip():
        raise ApplicationError(_("Say why the hand-off is declined: the sender needs it to find another office."), field="reason")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        _check_receiver(handoff, by)
        if handoff.state != HandoffState.SENT:
            raise _state_error(handoff)
        handoff.decline(by=by, description=reason.strip())
        handoff.answered_at, handoff.answered_by = timezone.now(), by
        handoff.decline_reason = reason.strip()
        handoff.closed_at = timezone.now()
        handoff.save()
        handoff.stage.return_to_plan(by=by, description=handoff.number)
        handoff.stage.save()
        ledger_append(
            handoff=handoff,
            step=LedgerStep.DECLINED,
            actor=by,
            payload={"reason_sha256": hashlib.sha256(reason.strip().encode()).hexdigest()},
        )
        _notify_sender(handoff, NotificationKind.HANDOFF_DECLINED)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "decline"})
    return handoff


def handoff_progress(*, handoff_id: int, by: User, text: str) -> HandoffNote:
    if not text.strip():
        raise ApplicationError(_("Write the progress."), field="text")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        is_receiver = by.role == Role.AGENCY_STAFF and by.office_id == handoff.to_office_id
        if not (is_receiver or by.has_perm("rehab.work_on_case", handoff.case)):
            raise ApplicationError(_("Only the receiving office or the case's officer may record progress."))
        if handoff.state not in (HandoffState.SENT, HandoffState.ACCEPTED):
            raise _state_error(handoff)
        note = HandoffNote.objects.create(handoff=handoff, author=by, text=text.strip())
        ledger_append(
            handoff=handoff,
            step=LedgerStep.PROGRESS,
            actor=by,
            payload={"note": note.pk, "text_sha256": hashlib.sha256(text.strip().encode()).hexdigest()},
        )
        if is_receiver:
            _notify_sender(handoff, NotificationKind.HANDOFF_PROGRESS)
        audit_record(actor=by, action=AuditAction.CREATE, obj=note, detail={"handoff": handoff.pk})
    return note


def handoff_complete(*, handoff_id: int, by: User, outcome: str, note: str = "") -> Handoff:
    if outcome not in HandoffOutcome.values:
        raise ApplicationError(_("Choose the outcome."), field="outcome")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        _check_receiver(handoff, by)
        if handoff.state != HandoffState.ACCEPTED:
            if handoff.state == HandoffState.SENT:
                raise ApplicationError(_("Accept the hand-off before completing it."))
            raise _state_error(handoff)
        handoff.complete(by=by, description=note.strip())
        handoff.outcome, handoff.outcome_note, handoff.closed_at = outcome, note.strip(), timezone.now()
        handoff.save()
        handoff.stage.complete(by=by, description=handoff.number)
        handoff.stage.save()
        ledger_append(handoff=handoff, step=LedgerStep.COMPLETED, actor=by, payload={"outcome": outcome})
        _notify_sender(handoff, NotificationKind.HANDOFF_COMPLETED, outcome=outcome)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "complete", "outcome": outcome})
        rescore_after_commit(handoff.case_id)
    return handoff


def handoff_withdraw(*, handoff_id: int, by: User, reason: str) -> Handoff:
    if not reason.strip():
        raise ApplicationError(_("Say why the hand-off is withdrawn."), field="reason")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        if not by.has_perm("rehab.work_on_case", handoff.case):
            raise ApplicationError(_("Only the case's officer or the supervisor of its office may withdraw a hand-off."))
        if handoff.state not in (HandoffState.SENT, HandoffState.ACCEPTED):
            raise _state_error(handoff)
        _withdraw(handoff, by=by, reason=reason.strip())
    return handoff


def _withdraw(handoff: Handoff, *, by: User, reason: str) -> None:
    handoff.withdraw(by=by, description=reason)
    handoff.withdraw_reason, handoff.closed_at = reason, timezone.now()
    handoff.save()
    if handoff.stage.state in (StageState.REFERRED, StageState.IN_PROGRESS):
        handoff.stage.return_to_plan(by=by, description=handoff.number)
        handoff.stage.save()
    ledger_append(
        handoff=handoff,
        step=LedgerStep.WITHDRAWN,
        actor=by,
        payload={"reason_sha256": hashlib.sha256(reason.encode()).hexdigest()},
    )
    _notify_office(handoff.to_office_id, NotificationKind.HANDOFF_WITHDRAWN, handoff)
    audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "withdraw"})


def handoffs_withdraw_for_ended_case(*, case: Case, by: User, reason: str) -> int:
    """A case that ends takes its open hand-offs with it (called inside the case's transaction)."""
    count = 0
    open_handoffs = case.handoffs.select_for_update(of=("self",)).select_related("stage")
    for handoff in open_handoffs.filter(state__in=[HandoffState.SENT, HandoffState.ACCEPTED]):
        _withdraw(handoff, by=by, reason=reason or str(_("The case ended.")))
        count += 1
    return count


# --- notifications -------------------------------------------------------------------------


def _handoff_link(handoff: Handoff) -> str:
    return f"/handoffs/{handoff.pk}/"


def _notify(user_ids: Iterable[int], kind: str, handoff: Handoff, **params: Any) -> None:
    Notification.objects.bulk_create(
        Notification(user_id=pk, kind=kind, params={"number": handoff.number, **params}, link=_handoff_link(handoff))
        for pk in set(user_ids)
    )


def _notify_office(office_id: int, kind: str, handoff: Handoff) -> None:
    _notify(
        User.objects.filter(office_id=office_id, role=Role.AGENCY_STAFF, is_active=True).values_list("pk", flat=True),
        kind,
        handoff,
    )


def _notify_sender(handoff: Handoff, kind: str, **params: Any) -> None:
    recipients = {handoff.sender_id} | ({handoff.case.officer_id} if handoff.case.officer_id else set())
    _notify(recipients, kind, handoff, **params)


# --- deadlines -----------------------------------------------------------------------------


def handoffs_escalate_overdue(*, today: date | None = None, chunk_size: int = 5000) -> list[int]:
    """Escalate every hand-off whose deadline passed and that was not escalated for that breach.

    Returns the ids of the escalations created by this run. Safe to run twice or concurrently:
    the unique (hand-off, breach, deadline) constraint lets exactly one run create each one, and
    only the run that created it notifies. Works in chunks, each in its own transaction, so a run
    that dies keeps what it finished and memory stays flat.

    The pending hand-offs of a breach are read by one query, ``chunk_size`` rows at a time
    (a server-side cursor on PostgreSQL): asking again for "the next chunk" cost a scan per chunk.
    """
    today = today or timezone.localdate()
    created: list[int] = []
    for breach, deadline_field, overdue in (
        (EscalationBreach.RESPOND, "respond_by", Handoff.objects.overdue_response(today)),
        (EscalationBreach.COMPLETE, "complete_by", Handoff.objects.overdue_completion(today)),
    ):
        already = Escalation.objects.filter(handoff_id=OuterRef("pk"), breach=breach, deadline=OuterRef(deadline_field))
        pending = (
            overdue.exclude(Exists(already)).order_by("pk").values_list("pk", "from_office_id", "to_office_id", deadline_field)
        )
        rows = pending.iterator(chunk_size=chunk_size)
        while chunk := list(islice(rows, chunk_size)):
            created += _escalate_chunk(breach, chunk)
    return created


def _escalate_chunk(breach: str, rows: list[tuple[int, int, int, date]]) -> list[int]:
    """Escalate one chunk in one transaction: the escalations, two notifications each, a ledger entry
    each, and the e-mails queued after commit. Rows are written as plain tuples (COPY on PostgreSQL):
    a first run after an outage writes 100,000s of them."""
    now = timezone.now()
    with transaction.atomic():
        mine = _escalations_create(breach, rows, now=now)
        if not mine:
            return []
        offices = {office for _pk, sender_office, receiver_office, _d in rows for office in (sender_office, receiver_office)}
        supervisors: dict[int, list[int]] = defaultdict(list)
        heads: dict[int, list[int]] = defaultdict(list)
        for pk, office_id, role, head in User.objects.filter(office_id__in=offices, is_active=True).values_list(
            "pk", "office_id", "role", "is_office_head"
        ):
            if role == Role.SUPERVISOR:
                supervisors[office_id].append(pk)
            if head:
                heads[office_id].append(pk)
        kind = NotificationKind.OVERDUE_RESPOND if breach == EscalationBreach.RESPOND else NotificationKind.OVERDUE_COMPLETE
        escalated = [(pk, sender, receiver, deadline.isoformat()) for pk, sender, receiver, deadline in rows if pk in mine]

        def notifications() -> Iterator[tuple[Any, ...]]:
            for pk, sender_office, receiver_office, day in escalated:
                params, link = {"number": f"HO-{pk:08d}", "date": day}, f"/handoffs/{pk}/"
                for user_id in {*supervisors[sender_office], *heads[receiver_office]}:
                    yield (user_id, kind, params, link, now)

        rows_insert(Notification, ("user_id", "kind", "params", "link", "created_at"), notifications())
        ledger_append_many((pk, LedgerStep.ESCALATED, None, {"breach": breach, "deadline": day}) for pk, _s, _r, day in escalated)
        ids = sorted(mine.values())
        from rehab.tasks import send_escalation_emails

        send_escalation_emails.delay_on_commit(ids)
    return ids


def _escalations_create(breach: str, rows: list[tuple[int, int, int, date]], *, now: datetime) -> dict[int, int]:
    """Create the escalations of ``rows`` that no other run created; return {hand-off id: escalation id}
    of those created here. On a conflict the row is skipped, and a concurrent run that is creating
    the same row makes this one wait for its outcome, so exactly one run gets each."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Escalation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (handoff_id, breach, deadline, run, created_at) "  # noqa: S608 - a quoted model table
                "SELECT handoff_id, %s, deadline, %s, %s FROM unnest(%s::bigint[], %s::date[]) AS pending (handoff_id, deadline) "
                "ON CONFLICT DO NOTHING RETURNING handoff_id, id",
                [breach, uuid.uuid4().hex, now, array_text(row[0] for row in rows), array_text(row[3] for row in rows)],
            )
            return dict(cursor.fetchall())
    # Elsewhere bulk_create cannot say which rows it skipped: the run column tells ours apart.
    run = uuid.uuid4().hex
    Escalation.objects.bulk_create(
        [Escalation(handoff_id=pk, breach=breach, deadline=deadline, run=run) for pk, _f, _t, deadline in rows],
        ignore_conflicts=True,
    )
    return dict(Escalation.objects.filter(run=run).values_list("handoff_id", "pk"))


def escalation_emails_send(*, escalation_ids: list[int]) -> int:
    """E-mail each escalation's recipients once. An escalation another worker is sending is skipped."""
    sent = 0
    for escalation_id in escalation_ids:
        with transaction.atomic():
            escalation = (
                Escalation.objects.select_for_update(skip_locked=True)
                .select_related("handoff")
                .filter(pk=escalation_id, emailed_at__isnull=True)
                .first()
            )
            if escalation is None:
                continue
            handoff = escalation.handoff
            recipients = list(
                User.objects.filter(is_active=True)
                .exclude(email="")
                .filter(
                    Q(role=Role.SUPERVISOR, office_id=handoff.from_office_id)
                    | Q(is_office_head=True, office_id=handoff.to_office_id)
                )
                .values_list("email", flat=True)
            )
            if recipients:
                deadline = format_date(escalation.deadline)
                subject = (
                    _("Overdue hand-off %(number)s: no answer by %(date)s")
                    if escalation.breach == EscalationBreach.RESPOND
                    else _("Overdue hand-off %(number)s: not completed by %(date)s")
                ) % {"number": handoff.number, "date": deadline}
                body = _("Hand-off %(number)s is overdue. Open it: %(url)s") % {
                    "number": handoff.number,
                    "url": f"{settings.SITE_URL}{_handoff_link(handoff)}",
                }
                send_mail(str(subject), str(body), None, recipients)
                sent += 1
            escalation.emailed_at = timezone.now()
            escalation.save(update_fields=["emailed_at"])
    return sent
