from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    """Regions, provinces, districts, agencies, units, offices, holidays, the service catalogue, accounts."""

    name = "rehab.reference"
    label = "reference"
    verbose_name = _("Reference data and accounts")
