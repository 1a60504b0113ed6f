from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    """Partner employers, openings, placements and retention check-ins (a later issue)."""

    name = "employment"
    verbose_name = _("Employment")
