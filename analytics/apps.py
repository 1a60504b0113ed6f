from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The risk model (features, training, registry, scoring, explanations, fairness); statistics and
    dashboards to come. It reacts to the cases' and referrals' events and adds to their pages."""

    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from analytics import receivers

        receivers.connect()
