from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """People, cases and their life cycle, assessments, contact notes, appointments, reoffences."""

    name = "rehab.cases"
    label = "cases"
    verbose_name = _("People and cases")

    def ready(self) -> None:
        from rehab.cases.notices import register_kinds

        register_kinds()
