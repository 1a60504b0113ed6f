"""Reference data: the map of Thailand and the agencies of the 2018 agreement.

All of it is loaded by data migrations, so a fresh database has it without a manual step.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


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


PROBATION_UNIT = "probation"
