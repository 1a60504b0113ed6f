"""Hand-offs between agencies: every write, one atomic function per use case.

Each hand-off step changes the hand-off, moves its stage to follow it, appends a signed entry to the
chained transaction record, notifies the other side, writes an audit event, and tells the other apps
(``handoff_stepped``, after commit: the risk model rescores a case whose hand-off completed).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.ledger import ledger_append
from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.models import Appointment, Case
from rehab.cases.services import appointment_schedule
from rehab.core.errors import ApplicationError, Conflict
from rehab.notifications.services import notify
from rehab.reference.models import Role, ServiceOffer, User
from rehab.reference.selectors import deadline_after
from rehab.referrals.events import handoff_stepped
from rehab.referrals.models import (
    OPEN_HANDOFF_STATES,
    SENSITIVE_CATEGORIES,
    SERVICES_FOR_STAGE,
    Handoff,
    HandoffNote,
    HandoffOutcome,
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
from rehab.referrals.selectors import consent_for
from rehab.referrals.services.plan import REFERRABLE_STATES


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
            if not by.has_perm("cases.work_on_case", case):
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
                subject=handoff,
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
            _notify_office(handoff.to_office_id, HANDOFF_NEW, handoff)
            audit_record(actor=by, action=AuditAction.CREATE, obj=handoff, detail={"case": case.pk, "to_office": offer.office_id})
            _stepped(handoff, LedgerStep.SENT)
            return handoff
    except IntegrityError:
        # The same form arrived twice at the same moment: the first one won.
        if idempotency_key is not None:
            existing = Handoff.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise


def _lock_handoff(handoff_id: int) -> Handoff:
    return Handoff.objects.select_for_update(of=("self",)).select_related("stage", "case").get(pk=handoff_id)


def _check_receiver(handoff: Handoff, by: User) -> None:
    if not by.has_perm("referrals.answer_handoff", handoff):
        raise ApplicationError(_("Only staff of the receiving office may answer this hand-off."))


def _state_error(handoff: Handoff) -> ApplicationError:
    """Someone else moved the hand-off on first (or the page was old): nothing is changed."""
    return Conflict(_("This hand-off is already “%(state)s”; nothing was changed.") % {"state": handoff.get_state_display()})


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
        ledger_append(subject=handoff, step=LedgerStep.ACCEPTED, actor=by, payload={})
        _notify_sender(handoff, HANDOFF_ACCEPTED)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "accept"})
        _stepped(handoff, LedgerStep.ACCEPTED)
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
            subject=handoff,
            step=LedgerStep.DECLINED,
            actor=by,
            payload={"reason_sha256": hashlib.sha256(reason.strip().encode()).hexdigest()},
        )
        _notify_sender(handoff, HANDOFF_DECLINED)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "decline"})
        _stepped(handoff, LedgerStep.DECLINED)
    return handoff


def handoff_progress(*, handoff_id: int, by: User, text: str) -> HandoffNote:
    if not text.strip():
        raise ApplicationError(_("Write the progress."), field="text")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        is_receiver = by.has_perm("referrals.answer_handoff", handoff)
        if not (is_receiver or by.has_perm("referrals.send_handoff", handoff)):
            raise ApplicationError(_("Only the receiving office or the case's officer may record progress."))
        if handoff.state not in (HandoffState.SENT, HandoffState.ACCEPTED):
            raise _state_error(handoff)
        note = HandoffNote.objects.create(handoff=handoff, author=by, text=text.strip())
        ledger_append(
            subject=handoff,
            step=LedgerStep.PROGRESS,
            actor=by,
            payload={"note": note.pk, "text_sha256": hashlib.sha256(text.strip().encode()).hexdigest()},
        )
        if is_receiver:
            _notify_sender(handoff, HANDOFF_PROGRESS)
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
        ledger_append(subject=handoff, step=LedgerStep.COMPLETED, actor=by, payload={"outcome": outcome})
        _notify_sender(handoff, HANDOFF_COMPLETED, outcome=outcome)
        audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "complete", "outcome": outcome})
        _stepped(handoff, LedgerStep.COMPLETED)
    return handoff


def handoff_withdraw(*, handoff_id: int, by: User, reason: str) -> Handoff:
    if not reason.strip():
        raise ApplicationError(_("Say why the hand-off is withdrawn."), field="reason")
    with transaction.atomic():
        handoff = _lock_handoff(handoff_id)
        if not by.has_perm("referrals.send_handoff", handoff):
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
        subject=handoff,
        step=LedgerStep.WITHDRAWN,
        actor=by,
        payload={"reason_sha256": hashlib.sha256(reason.encode()).hexdigest()},
    )
    _notify_office(handoff.to_office_id, HANDOFF_WITHDRAWN, handoff)
    audit_record(actor=by, action=AuditAction.TRANSITION, obj=handoff, detail={"transition": "withdraw"})
    _stepped(handoff, LedgerStep.WITHDRAWN)


def handoffs_withdraw_for_ended_case(*, case: Case, by: User, reason: str) -> int:
    """A case that ends takes its open hand-offs with it (inside the case's transaction: the cases app
    sends ``case_ending`` and ``rehab.referrals.receivers`` calls this)."""
    count = 0
    open_handoffs = Handoff.objects.filter(case=case).select_for_update(of=("self",)).select_related("stage", "case")
    for handoff in open_handoffs.filter(state__in=[HandoffState.SENT, HandoffState.ACCEPTED]):
        _withdraw(handoff, by=by, reason=reason or str(_("The case ended.")))
        count += 1
    return count


def handoff_appointment_schedule(*, handoff_id: int, by: User, kind: str, starts_at: datetime, place: str = "") -> Appointment:
    """An appointment with the person at the receiving office of a hand-off under way (sent or accepted)."""
    handoff = Handoff.objects.select_related("case__office", "to_office").get(pk=handoff_id)
    if handoff.state not in (HandoffState.SENT, HandoffState.ACCEPTED):
        raise _state_error(handoff)
    return appointment_schedule(case=handoff.case, by=by, kind=kind, starts_at=starts_at, place=place, office=handoff.to_office)


# --- telling others ---------------------------------------------------------------------------------


def handoff_link(handoff_id: int) -> str:
    return reverse("referrals:handoff_detail", args=[handoff_id])


def _notify(user_ids: Iterable[int], kind: str, handoff: Handoff, **params: Any) -> None:
    notify(user_ids=user_ids, kind=kind, params={"number": handoff.number, **params}, link=handoff_link(handoff.pk))


def _notify_office(office_id: int, kind: str, handoff: Handoff) -> None:
    _notify(
        User.objects.filter(office_id=office_id, role=Role.AGENCY_STAFF, is_active=True).values_list("pk", flat=True),
        kind,
        handoff,
    )


def _notify_sender(handoff: Handoff, kind: str, **params: Any) -> None:
    recipients = {handoff.sender_id} | ({handoff.case.officer_id} if handoff.case.officer_id else set())
    _notify(recipients, kind, handoff, **params)


def _stepped(handoff: Handoff, step: str) -> None:
    handoff_stepped.emit(
        Handoff, handoff_id=handoff.pk, case_id=handoff.case_id, step=step, service=handoff.service, outcome=handoff.outcome
    )
