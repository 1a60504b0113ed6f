"""The notifications the cases app sends (registered with rehab.notifications when the app is ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rehab.cases.models import AppointmentKind
from rehab.cases.services.appointments import APPOINTMENT_TOMORROW
from rehab.notifications.kinds import NotificationKind, register


def register_kinds() -> None:
    register(
        NotificationKind(
            APPOINTMENT_TOMORROW,
            _("Appointment tomorrow"),
            _("Tomorrow %(time)s: %(kind)s, case %(case)s."),
            shown_as={"kind": lambda code: AppointmentKind(code).label},
        )
    )
