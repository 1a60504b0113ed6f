from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The risk model, outcome statistics and dashboards (later issues)."""

    name = "analytics"
    verbose_name = _("Analytics")
