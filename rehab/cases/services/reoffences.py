"""Reoffences: one service records a confirmed new offence, whatever the state of the person's cases.

The offence follows the person's latest release before it (its *episode*). If that case is still open it
moves to ``reoffended`` in the same transaction; a completed or closed case keeps its state and the offence
is recorded on the person's history, where 3-year recidivism and the risk model's labels read it.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.events import reoffence_recorded
from rehab.cases.models import Case, OffenceCategory, Reoffence, ReoffenceSource
from rehab.cases.services.cases import audited_refusal, case_lock, case_run_transition
from rehab.core.dates import format_date
from rehab.core.errors import ApplicationError
from rehab.reference.models import User


def reoffence_episode(*, person_id: int, offence_date: date) -> Case | None:
    """The release episode an offence on ``offence_date`` follows: the person's latest case released before it."""
    return (
        Case.objects.filter(person_id=person_id, release_date__lt=offence_date)
        .select_related("office")
        .order_by("-release_date", "-id")
        .first()
    )


def reoffence_record(
    *,
    person_id: int,
    by: User,
    offence_date: date,
    source: str,
    offence_category: str,
    reason: str = "",
    case_id: int | None = None,
    expected_version: int | None = None,
) -> Reoffence:
    """Record a confirmed new offence of a person.

    ``case_id`` is the case the user recorded it from (the case page): the offence must then follow that
    release. Without it (a report of the police or a court) the episode is found from the date. An open
    episode moves to ``reoffended`` (``reason`` is kept in its history); an ended one keeps its state.
    """
    if source not in ReoffenceSource.values:
        raise ApplicationError(_("Choose who confirmed the offence."), field="source")
    if offence_category not in OffenceCategory.values:
        raise ApplicationError(_("Choose the category of the new offence."), field="offence_category")
    if offence_date > timezone.localdate():
        raise ApplicationError(_("The date of the new offence cannot be in the future."), field="offence_date")
    # A refusal is audited on the case it was recorded from, or on the person.
    audited = {"case_id": case_id} if case_id is not None else {"case_id": person_id, "object_type": "cases.person"}
    with audited_refusal(by=by, action=AuditAction.CREATE, detail={"record": "reoffence"}, **audited):  # type: ignore[arg-type]
        with transaction.atomic():
            episode = reoffence_episode(person_id=person_id, offence_date=offence_date)
            if case_id is not None:
                chosen = Case.objects.filter(pk=case_id, person_id=person_id).first()
                if chosen is None:
                    raise ApplicationError(_("This case is not the person's."))
                if offence_date <= chosen.release_date:
                    raise ApplicationError(
                        _("The new offence must be dated after the release (%(date)s).")
                        % {"date": format_date(chosen.release_date)},
                        field="offence_date",
                    )
                if episode is not None and episode.pk != chosen.pk:
                    raise ApplicationError(
                        _("This offence follows a later release of the person (case %(number)s): record it there.")
                        % {"number": episode.number},
                        field="offence_date",
                    )
            if episode is None:
                raise ApplicationError(
                    _("The person has no release before this date: an offence before a release is not a reoffence."),
                    field="offence_date",
                )
            # On an open case the "reoffend" transition checks who may record it (and says why not).
            if not episode.is_open and not by.has_perm("cases.work_on_case", episode):
                raise ApplicationError(
                    _("Only the officer of the case it follows or the supervisor of its office may record it.")
                )
            if Reoffence.objects.filter(
                person_id=person_id, offence_date=offence_date, offence_category=offence_category, source=source
            ).exists():
                raise ApplicationError(_("This offence is already recorded (same date, category and source)."))
            episode = case_lock(case_id=episode.pk, expected_version=expected_version if case_id is not None else None)
            reoffence = Reoffence(
                person_id=person_id,
                case=episode,
                offence_date=offence_date,
                source=source,
                offence_category=offence_category,
                ended_case=episode.is_open,
                recorded_by=by,
            )
            if episode.is_open:
                # Saved by the transition's own check (rolled back with everything else if it is then refused).
                case_run_transition(case=episode, name="reoffend", by=by, reason=reason, before=lambda case: reoffence.save())
            else:
                reoffence.save()
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                obj=reoffence,
                detail={"case": episode.pk, "person": person_id, "source": source, "ended_case": reoffence.ended_case},
            )
            reoffence_recorded.emit(
                Reoffence, person_id=person_id, case_id=episode.pk, reoffence_id=reoffence.pk, ended_case=reoffence.ended_case
            )
            return reoffence
