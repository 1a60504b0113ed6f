from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabConfig(AppConfig):
    """The core domain: reference data, people, cases, assessments, notes and the audit trail."""

    name = "rehab"
    verbose_name = _("Rehabilitation cases")

    def ready(self) -> None:
        from rehab import signals  # noqa: F401  (connects the login audit receivers)
