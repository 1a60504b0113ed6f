"""Who may see and decide what about the risk model. Scores and flags are read through the case
(``Case.objects.visible_to``): agency staff and employers never reach them."""

from __future__ import annotations

from typing import Any

import rules

from rehab.models import Role


@rules.predicate
def is_manager(user: Any) -> bool:
    return getattr(user, "role", None) == Role.MANAGER


@rules.predicate
def is_auditor_or_admin(user: Any) -> bool:
    return getattr(user, "role", None) in (Role.AUDITOR, Role.ADMIN)


rules.add_perm("analytics.read_model_card", is_manager | is_auditor_or_admin)
rules.add_perm("analytics.decide_model", is_manager)
