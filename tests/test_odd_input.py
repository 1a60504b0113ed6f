"""No input, however odd, gives a 500: every URL pattern of the service, for each role, with odd query
parameters (a NUL byte, a very long value, right-to-left overrides, numbers out of range, words where
numbers go) on its own objects and on others'."""

from __future__ import annotations

import itertools

import pytest

from rehab.cases.models import CaseState
from rehab.reference.models import Role
from tests.factories import make_case, make_user, send_to_employment
from tests.urlwalk import url_patterns

pytestmark = pytest.mark.django_db

ODD_VALUES = ["\x00", "x" * 5000 + "\u202e", "-1", "99999999999999999999"]
PARAMS = ["q", "state", "sort", "page", "tab", "type", "id", "user", "province", "next", "handoff"]


def _fill(route: str, ids: dict[str, int]) -> str:
    path = "/" + route.lstrip("^").rstrip("$")
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    return path.replace("<slug:name>", "activate").replace("<slug:action>", "accept").replace("<slug:mark>", "attend")


def test_every_page_answers_odd_parameters_without_a_server_error(client, officer, supervisor, employment_staff):
    handoff = send_to_employment(officer)
    other = make_case(officer=make_user(Role.OFFICER), state=CaseState.ACTIVE)
    users = [officer, supervisor, employment_staff, make_user(Role.AUDITOR)]
    id_sets = [  # their own objects (the hand-off's case, stage and the hand-off itself), and someone else's
        {"pk": handoff.case_id, "stage_id": handoff.stage_id, "consent_id": 1, "flag_id": 1},
        {"pk": other.pk, "stage_id": 999999, "consent_id": 999999, "flag_id": 999999},
    ]
    failures = []
    # Not the language switch or the log-out, which would end the session the other requests need.
    routes = [route for route, _pattern in url_patterns() if "i18n" not in route and "logout" not in route]
    for user, ids, value in itertools.product(users, id_sets, ODD_VALUES):
        client.force_login(user)
        odd = dict.fromkeys(PARAMS, value)  # every parameter a page might read, at once
        for route in routes:
            path = _fill(route, {**ids, "pk": handoff.pk} if route.startswith("handoffs/") and ids["pk"] != other.pk else ids)
            for method in ("get", "post"):
                response = getattr(client, method)(path, odd)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} with {value[:10]!r} as {user.role}: {response.status_code}")
    assert failures == []
