from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail of every read and write, and the chained transaction record with its verifier."""

    name = "rehab.audit"
    label = "audit"
    verbose_name = _("Audit trail and transaction record")

    def ready(self) -> None:
        from rehab.audit import receivers  # noqa: F401  (the login, logout and failed-login events)
