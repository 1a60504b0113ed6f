from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Realistic demo data (``manage.py seed_demo``): rows the services could have written, written fast."""

    name = "rehab.demo"
    label = "demo"
    verbose_name = _("Demo data")
