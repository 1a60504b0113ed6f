from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class LoginBackend(ModelBackend):
    """Checks user names and passwords; grants nothing.

    What a user may do comes from their role, through the rules of each app (rules.py) (and superusers
    pass every check in Django itself). Without this, every refused rule would fall through to
    Django's per-user permission tables: two useless queries on most pages.
    """

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
