"""The notifications about hand-offs (registered with rehab.notifications when the app is ready)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _

from rehab.core.dates import format_date
from rehab.notifications.kinds import NotificationKind, register
from rehab.referrals.models import HandoffOutcome

HANDOFF_NEW = "handoff_new"
HANDOFF_ACCEPTED = "handoff_accepted"
HANDOFF_DECLINED = "handoff_declined"
HANDOFF_PROGRESS = "handoff_progress"
HANDOFF_COMPLETED = "handoff_completed"
HANDOFF_WITHDRAWN = "handoff_withdrawn"
OVERDUE_RESPOND = "overdue_respond"
OVERDUE_COMPLETE = "overdue_complete"


def _outcome(code: str) -> str:
    return str(HandoffOutcome(code).label)


def _date(text: str) -> str:
    return format_date(date.fromisoformat(text))


def register_kinds() -> None:
    register(
        NotificationKind(HANDOFF_NEW, _("New hand-off"), _("New hand-off %(number)s for your office.")),
        NotificationKind(HANDOFF_ACCEPTED, _("Hand-off accepted"), _("%(number)s was accepted by the receiving office.")),
        NotificationKind(
            HANDOFF_DECLINED, _("Hand-off declined"), _("%(number)s was declined: send the stage to another office.")
        ),
        NotificationKind(HANDOFF_PROGRESS, _("Progress on a hand-off"), _("New progress on %(number)s.")),
        NotificationKind(
            HANDOFF_COMPLETED,
            _("Hand-off completed"),
            _("%(number)s was completed: %(outcome)s."),
            shown_as={"outcome": _outcome},
        ),
        NotificationKind(HANDOFF_WITHDRAWN, _("Hand-off withdrawn"), _("%(number)s was withdrawn by the sender.")),
        NotificationKind(
            OVERDUE_RESPOND,
            _("Hand-off not answered in time"),
            _("Overdue: %(number)s was not answered by %(date)s."),
            shown_as={"date": _date},
        ),
        NotificationKind(
            OVERDUE_COMPLETE,
            _("Hand-off not completed in time"),
            _("Overdue: %(number)s was not completed by %(date)s."),
            shown_as={"date": _date},
        ),
    )
