"""Reference data and accounts: the map of Thailand, the agencies of the 2018 agreement with their units
and offices, the public holidays, the service catalogue, and the users with their roles.

The map, the agencies, the offices, the catalogue and the holidays are loaded by data migrations, so a
fresh database has them without a manual step; administrators keep them up to date in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The unit whose offices supervise cases; every other unit is a partner that receives hand-offs.
PROBATION_UNIT = "probation"


class BilingualName(models.Model):
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language: Thai unless the user switched to English."""
        return self.name_en if translation.get_language() == "en" else self.name_th


class Region(BilingualName):
    """One of the National Statistical Office's seven statistical regions."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Province(BilingualName):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("region"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class District(BilingualName):
    code = models.CharField(_("code"), max_length=4, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Agency(BilingualName):
    """A signatory of the agreement: a ministry or the Royal Thai Police."""

    code = models.SlugField(_("code"), max_length=20, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")


class Unit(BilingualName):
    """A department of an agency (Department of Probation, Department of Employment, ...)."""

    code = models.SlugField(_("code"), max_length=30, primary_key=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units", verbose_name=_("agency"))
    # Sharing with a state unit rests on the agreement's public task; with anyone else, on consent.
    is_state = models.BooleanField(_("state agency"), default=True)

    class Meta:
        ordering = ["agency", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")


class Office(BilingualName):
    """A local office of a unit in a province: a probation office, an employment office, a clinic."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="offices", verbose_name=_("unit"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="offices", verbose_name=_("province"))

    class Meta:
        ordering = ["unit", "province"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    @property
    def is_probation_office(self) -> bool:
        return self.unit_id == PROBATION_UNIT


class PublicHoliday(models.Model):
    """A day offices are closed; deadlines in working days skip it. Managed in the admin."""

    day = models.DateField(_("date"), unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self) -> str:
        return f"{self.day} {self.name_th}"


class ServiceKind(models.TextChoices):
    EDUCATION = "education", _("Education (non-formal)")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    HEALTH_SCREENING = "health_screening", _("Health screening")
    DRUG_TREATMENT = "drug_treatment", _("Drug treatment")
    MENTAL_HEALTH = "mental_health", _("Mental health care")
    WELFARE_GRANT = "welfare_grant", _("Welfare grant")
    SHELTER = "shelter", _("Shelter")
    ID_CARD = "id_card", _("ID card")
    HOUSE_REGISTRATION = "house_registration", _("House registration")
    LEGAL_AID = "legal_aid", _("Legal aid")
    BAIL = "bail", _("Bail fund")
    BEHAVIOUR_PROGRAMME = "behaviour_programme", _("Behaviour programme")


class ServiceOffer(models.Model):
    """The service catalogue: which office offers which service, and how fast it must answer."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="services", verbose_name=_("office"))
    service = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    respond_days = models.PositiveSmallIntegerField(_("answer within (working days)"), default=3)
    complete_days = models.PositiveSmallIntegerField(_("complete within (working days)"), default=30)
    active = models.BooleanField(_("offered now"), default=True)

    class Meta:
        ordering = ["office", "service"]
        verbose_name = _("service offer")
        verbose_name_plural = _("service catalogue")
        constraints = [models.UniqueConstraint(fields=["office", "service"], name="one_offer_per_office_service")]

    def __str__(self) -> str:
        return f"{self.office} · {self.get_service_display()}"


class Role(models.TextChoices):
    """What a user does; what they may see and do follows from it through the rules of each app (``rules.py``)."""

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

    # Access comes from the roles and the rules alone (each app's rules.py): Django's PermissionsMixin lets an
    # active superuser pass every check, which would put the administrator above the rules, reading and
    # changing any case. Here ``is_superuser`` grants nothing; the administrator's own work, the reference
    # data and accounts in the admin site, is granted by rehab.reference.auth.AdministratorBackend.

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and any(
            backend.has_perm(self, perm, obj) for backend in auth.get_backends() if hasattr(backend, "has_perm")
        )

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and any(
            backend.has_module_perms(self, app_label) for backend in auth.get_backends() if hasattr(backend, "has_module_perms")
        )

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR
