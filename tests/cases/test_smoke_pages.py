from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_an_officer_sees_their_case_on_the_caseload_and_its_page(client, officer):
    case = make_case(officer=officer)
    client.force_login(officer)
    page = client.get(reverse("cases:caseload"))
    assert page.status_code == 200
    assert case.person.first_name_th in page.content.decode()
    detail = client.get(reverse("cases:detail", args=[case.pk]))
    assert detail.status_code == 200
    assert case.number in detail.content.decode()
