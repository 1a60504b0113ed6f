"""Deadlines of hand-offs: the periodic job that escalates overdue ones, and the e-mails it sends.

An overdue hand-off escalates once per breach of a deadline to the sender's supervisor and the receiving
office's head (in-app notification and e-mail). The unique (hand-off, breach, deadline) constraint makes
a second run, a second worker, or a worker killed mid-run and replaced create nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.audit.ledger import ledger_append_many
from rehab.core.bulk import array_text, rows_insert
from rehab.core.dates import format_date
from rehab.notifications.models import Notification
from rehab.reference.models import Role, User
from rehab.referrals.events import escalations_created
from rehab.referrals.models import Escalation, EscalationBreach, Handoff, LedgerStep, handoff_number
from rehab.referrals.notices import OVERDUE_COMPLETE, OVERDUE_RESPOND
from rehab.referrals.services.handoffs import handoff_link


@cache
def handoff_link_maker() -> Callable[[int], str]:
    """``handoff_link`` for a run that links 100,000s of hand-offs: the URL is reversed once, and each
    link is that URL with the hand-off's id in place of a placeholder id."""
    placeholder = 987654321
    before, after = handoff_link(placeholder).split(str(placeholder))
    return lambda pk: f"{before}{pk}{after}"


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
            created += handoffs_escalate_chunk(breach, chunk)
    return created


def handoffs_escalate_chunk(breach: str, rows: list[tuple[int, int, int, date]]) -> list[int]:
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
        kind = OVERDUE_RESPOND if breach == EscalationBreach.RESPOND else OVERDUE_COMPLETE
        escalated = [(pk, sender, receiver, deadline.isoformat()) for pk, sender, receiver, deadline in rows if pk in mine]

        link_of = handoff_link_maker()

        def notifications() -> Iterator[tuple[Any, ...]]:
            for pk, sender_office, receiver_office, day in escalated:
                params, link = {"number": handoff_number(pk), "date": day}, link_of(pk)
                for user_id in {*supervisors[sender_office], *heads[receiver_office]}:
                    yield (user_id, kind, params, link, now)

        rows_insert(Notification, ("user_id", "kind", "params", "link", "created_at"), notifications())
        subject_type = Handoff._meta.label_lower
        ledger_append_many(
            ((subject_type, pk), LedgerStep.ESCALATED, None, {"breach": breach, "deadline": day}) for pk, _s, _r, day in escalated
        )
        ids = sorted(mine.values())
        escalations_created.emit(Escalation, escalation_ids=ids)
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
                    "url": f"{settings.SITE_URL}{handoff_link(handoff.pk)}",
                }
                send_mail(str(subject), str(body), None, recipients)
                sent += 1
            escalation.emailed_at = timezone.now()
            escalation.save(update_fields=["emailed_at"])
    return sent
