from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rehab.core.validators import mask_national_id, validate_name, validate_national_id, validate_phone
from rehab.reference.models import District


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Person(models.Model):
    """A released person. One person per national ID; a person may have several cases over the years.

    Only what the work needs is collected (PDPA): no religion, no photo, no biometrics.
    """

    national_id = models.CharField(_("national ID"), max_length=13, unique=True, validators=[validate_national_id])
    first_name_th = models.CharField(_("first name (Thai)"), max_length=100, validators=[validate_name])
    last_name_th = models.CharField(_("last name (Thai)"), max_length=100, validators=[validate_name])
    first_name_en = models.CharField(_("first name (Latin script)"), max_length=100, blank=True, validators=[validate_name])
    last_name_en = models.CharField(_("last name (Latin script)"), max_length=100, blank=True, validators=[validate_name])
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=2, default="TH", help_text=_("ISO country code"))
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    home_district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("home district")
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["last_name_th", "first_name_th"], name="person_name_th"),
            models.Index(fields=["date_of_birth", "first_name_th"], name="person_dob_name"),
        ]

    def __str__(self) -> str:
        # Never the national ID: __str__ ends up in logs and error reports.
        return self.full_name

    @property
    def full_name(self) -> str:
        if translation.get_language() == "en" and self.first_name_en:
            return f"{self.first_name_en} {self.last_name_en}".strip()
        return f"{self.first_name_th} {self.last_name_th}"

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)
