from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from rehab.models.reference import Office


class Role(models.TextChoices):
    """What a user does; access to each object is decided from it in rehab/rules.py."""

    OFFICER = "officer", _("Probation officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    EMPLOYER = "employer", _("Partner employer")
    MANAGER = "manager", _("Manager")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("office"),
        help_text=_("The probation office of an officer or supervisor; the agency office of agency staff."),
    )
    is_office_head = models.BooleanField(
        _("head of the office"),
        default=False,
        help_text=_("Receives the escalations of overdue hand-offs addressed to the office."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR
