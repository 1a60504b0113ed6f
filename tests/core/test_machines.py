"""Reloading a record never lifts the protection of its model's state fields: under a threaded server a
request reloading while another one turned it back on failed with a 500 instead of a 409."""

from __future__ import annotations

from typing import Any

import pytest

from rehab.cases.models import Case, CaseState
from rehab.referrals.models import Handoff
from tests.factories import make_case, send_to_employment

pytestmark = pytest.mark.django_db


def test_refresh_from_db_reloads_without_touching_the_class_wide_protection(monkeypatch, officer, employment_staff):
    handoff = send_to_employment(officer)
    case = make_case(officer=officer, state=CaseState.ACTIVE)
    for model in (Case, Handoff):
        field = model._meta.get_field("state")
        touched: list[Any] = []
        original = type(field).__setattr__

        def spy(self: Any, name: str, value: Any, _original: Any = original, _touched: list[Any] = touched) -> None:
            if name == "protected":
                _touched.append(value)
            _original(self, name, value)

        monkeypatch.setattr(type(field), "__setattr__", spy)
        obj = case if model is Case else handoff
        Case.objects.filter(pk=case.pk).update(state=CaseState.SUSPENDED, version=7)
        obj.refresh_from_db()
        monkeypatch.undo()
        assert touched == [], f"{model.__name__}: the class's state field protection was switched {touched}"
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.SUSPENDED, 7)
    with pytest.raises(AttributeError):
        case.state = CaseState.ACTIVE  # still protected


def test_a_reloaded_case_saves_against_its_new_version(officer):
    case = make_case(officer=officer)
    Case.objects.filter(pk=case.pk).update(version=5)
    case.refresh_from_db()
    case.last_contact_at = None
    case.save(update_fields=["last_contact_at"])
    assert Case.objects.get(pk=case.pk).version == 6
