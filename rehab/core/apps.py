from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares and nothing domain-specific: errors and their responses, domain events,
    bulk COPY, dates in both eras, working days, pagination, validators, template tags, the job schedule."""

    name = "rehab.core"
    label = "core"
    verbose_name = _("Core")
