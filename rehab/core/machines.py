"""Helpers for the state machines (django-fsm-2): refusals that say why, and the options a page offers.

A condition or permission carries a ``refusal``: the sentence the user reads when it stops a transition
(``@refusal(_("Finish the assessment first."))``), or a function of the object and the user that finds
the right sentence. ``transition_refusals`` lists what stands in the way of one transition now, and
``transition_options`` the transitions a user is permitted to take, each with what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from rehab.core.errors import ApplicationError


def refusal(message: Any) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Attach the sentence a user reads when this condition or permission stops a transition."""

    def decorate(check: Callable[..., bool]) -> Callable[..., bool]:
        check.refusal = message  # type: ignore[attr-defined]
        return check

    return decorate


def explain(check: Any, obj: Any, user: Any = None) -> str:
    """The refusal of a condition or permission: its sentence, or the sentence its function finds."""
    message = getattr(check, "refusal", None)
    if message is None:
        return str(_("This change of state is not allowed now."))
    return str(message(obj, user) if callable(message) else message)


@dataclass(frozen=True)
class TransitionOption:
    """A transition as a page offers it: allowed now, or blocked with the reasons."""

    name: str
    label: str
    target: str
    reason_required: bool
    refusals: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.refusals


def transition_of(obj: models.Model, name: str, names: Sequence[str]) -> Any:
    """The django-fsm metadata of transition ``name`` of ``obj``'s machine (one of ``names``)."""
    if name not in names:
        raise ApplicationError(_("There is no such change of state."))
    return getattr(type(obj), name)._django_fsm


def transition_refusals(obj: Any, name: str, names: Sequence[str], user: Any, *, state_field: str = "state") -> list[str]:
    """Why ``user`` may not take transition ``name`` on ``obj`` now; empty when they may."""
    meta = transition_of(obj, name, names)
    state = getattr(obj, state_field)
    if not meta.has_transition(state):
        label = getattr(obj, f"get_{state_field}_display")()
        return [str(_("A record in state “%(state)s” cannot be changed this way.") % {"state": label})]
    transition = meta.get_transition(state)
    if not transition.has_perm(obj, user):
        return [explain(transition.permission, obj, user)]
    return [explain(check, obj) for check in transition.conditions if not check(obj)]


def transition_options(
    obj: Any, names: Sequence[str], user: Any, *, collected_on_form: Sequence[str] = (), state_field: str = "state"
) -> list[TransitionOption]:
    """The transitions out of ``obj``'s state that ``user`` is permitted to take.

    A permitted transition whose conditions are not met is included with its refusals, so the page can say
    what is missing. Transitions in ``collected_on_form`` collect their missing fact on their own form (the
    closure reason, the new offence) and are offered as allowed."""
    options = []
    state = getattr(obj, state_field)
    for name in names:
        meta = transition_of(obj, name, names)
        if not meta.has_transition(state):
            continue
        transition = meta.get_transition(state)
        if not transition.has_perm(obj, user):
            continue
        refusals = [] if name in collected_on_form else [explain(check, obj) for check in transition.conditions if not check(obj)]
        options.append(
            TransitionOption(
                name=name,
                label=str(transition.custom.get("label", name)),
                target=str(transition.target),
                reason_required=bool(transition.custom.get("reason_required")),
                refusals=refusals,
            )
        )
    return options


class SafeRefreshMixin:
    """``refresh_from_db`` that leaves the state fields' protection alone.

    django-fsm's own turns the protection of the model's state fields off for the whole class while it
    reloads, and on again after: under a threaded server a request that reloads while another one has just
    turned it back on fails with "Direct state modification is not allowed" (a 500 instead of a 409).
    This reloads the values into the instance itself, which needs no protection lifted."""

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        model = type(self)
        queryset = from_queryset if from_queryset is not None else model._base_manager.db_manager(using)  # type: ignore[attr-defined]
        fresh = queryset.get(pk=self.pk)  # type: ignore[attr-defined]
        meta = self._meta  # type: ignore[attr-defined]
        for model_field in meta.concrete_fields:
            if fields is not None and model_field.attname not in fields and model_field.name not in fields:
                continue
            self.__dict__[model_field.attname] = fresh.__dict__[model_field.attname]
            if model_field.is_relation and model_field.is_cached(self):
                model_field.delete_cached_value(self)
        for related in meta.related_objects:  # reverse one-to-ones (a case's latest risk) and the like
            if related.is_cached(self):
                related.delete_cached_value(self)
        self.__dict__.pop("_prefetched_objects_cache", None)
        self._state.db = fresh._state.db  # type: ignore[attr-defined]
        update_initial_state = getattr(self, "_update_initial_state", None)
        if update_initial_state is not None:  # ConcurrentTransitionMixin: the state this instance was loaded in
            update_initial_state()
