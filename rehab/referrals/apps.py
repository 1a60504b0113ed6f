from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """The plan's stages, consent, hand-offs between agencies, their deadlines and escalation."""

    name = "rehab.referrals"
    label = "referrals"
    verbose_name = _("Plans and hand-offs")

    def ready(self) -> None:
        from rehab.referrals import receivers
        from rehab.referrals.notices import register_kinds

        register_kinds()
        receivers.connect()
