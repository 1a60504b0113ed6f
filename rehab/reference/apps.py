from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    """Regions, provinces, districts, agencies, units, offices, holidays, the service catalogue, accounts."""

    name = "rehab.reference"
    label = "reference"
    verbose_name = _("Reference data and accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from rehab.reference.middleware import session_start

        # Connected here, not in the middleware module, so that it holds for every sign-in (the admin's too).
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: session_start(request) if request is not None else None,
            dispatch_uid="reference.session_start",
            weak=False,
        )
