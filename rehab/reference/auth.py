"""Authentication backends: who a user is, and the administrator's work in the admin site.

What a user may do with cases, hand-offs and the risk model comes from their role through the rules of
each app (``rules.py``, django-rules' ObjectPermissionBackend), never from ``is_superuser``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from rehab.reference.models import Role

# What the administrator keeps in the admin site: (app label, the actions allowed on its models). The audit
# trail and the transaction record are read-only there; people and cases are not in the admin at all.
ADMINISTERED = {
    "reference": ("view", "add", "change", "delete"),
    "audit": ("view",),
    "django_celery_beat": ("view", "add", "change", "delete"),
    "axes": ("view", "delete"),  # failed-login records and lockouts: deleting one unlocks the account
}


class LoginBackend(ModelBackend):
    """Checks user names and passwords; grants nothing.

    Without this, every refused rule would fall through to Django's per-user permission tables: two
    useless queries on most pages.
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False


class AdministratorBackend:
    """The administrator (role ``admin``, staff status) manages the reference data, the accounts and the job
    schedule in the admin site, and reads the audit records there: Django's model permissions
    (``reference.change_office``), granted by role. Nothing else: no case work."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    @staticmethod
    def _is_administrator(user: Any) -> bool:
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        app_label, _dot, codename = perm.partition(".")
        action = codename.split("_", 1)[0]
        return self._is_administrator(user_obj) and action in ADMINISTERED.get(app_label, ())

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self._is_administrator(user_obj) and app_label in ADMINISTERED
