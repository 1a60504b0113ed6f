"""Contact notes: what happened when the officer met, called or visited the person."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.models import AuditAction
from rehab.audit.services import audit_record
from rehab.cases.models import Case, ContactKind, ContactNote
from rehab.core.errors import ApplicationError
from rehab.reference.models import User

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)


def note_add(*, case: Case, by: User, kind: str, contacted_at: datetime, text: str) -> ContactNote:
    if not by.has_perm("cases.work_on_case", case):
        raise ApplicationError(_("Only the case's officer or the supervisor of its office may write notes on it."))
    if kind not in ContactKind.values:
        raise ApplicationError(_("Choose the kind of contact."), field="kind")
    if not text.strip():
        raise ApplicationError(_("Write what happened."), field="text")
    if contacted_at > timezone.now() + CLOCK_SKEW:
        raise ApplicationError(_("The contact time cannot be in the future."), field="contacted_time")
    with transaction.atomic():
        note = ContactNote.objects.create(case=case, author=by, kind=kind, contacted_at=contacted_at, text=text.strip())
        # Notes do not conflict with state changes, so this update does not bump the case version.
        Case.objects.filter(pk=case.pk).filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=contacted_at)).update(
            last_contact_at=contacted_at
        )
        audit_record(actor=by, action=AuditAction.CREATE, obj=note, detail={"case": case.pk, "kind": kind})
    return note
