from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (and the e-mails sent beside them by the apps that need them)."""

    name = "rehab.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
