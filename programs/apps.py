from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Rehabilitation programmes: catalogue, intakes, enrolment, attendance, completion (a later issue)."""

    name = "programs"
    verbose_name = _("Programmes")
