"""`{{ handoff|display:"state" }}`: a choice field's label, as `get_state_display` gives it, for tables.

Django's ``get_FOO_display`` builds a dict of the field's choices on every call, and hashing each
lazy label translates it: a page of 25 hand-offs with two such columns made about 500 ``gettext``
calls. This looks the value up in a dict built once per field and translates only the label shown.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.db.models import Model

register = template.Library()


@cache
def _labels(model: type[Model], field_name: str) -> dict[Any, Any]:
    return dict(model._meta.get_field(field_name).flatchoices)  # type: ignore[union-attr]


@register.filter
def display(instance: Model | None, field_name: str) -> str:
    if instance is None:
        return ""
    value = getattr(instance, field_name)
    label = _labels(type(instance), field_name).get(value, value)
    return "" if label is None else str(label)
