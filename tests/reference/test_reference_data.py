from __future__ import annotations

import pytest
from django.db.models import Count

from rehab.reference.models import Agency, District, Office, Province, Region, Unit

pytestmark = pytest.mark.django_db


def test_a_fresh_database_has_the_77_provinces_in_the_nsos_seven_regions():
    assert Province.objects.count() == 77
    sizes = dict(Region.objects.annotate(n=Count("provinces")).values_list("code", "n"))
    assert sizes == {"BKK": 6, "CEN": 6, "EAS": 8, "WES": 6, "NOR": 17, "NEA": 20, "SOU": 14}
    assert Province.objects.get(code="38").name_en == "Bueng Kan"
    assert Province.objects.get(code="38").region_id == "NEA"


def test_districts_carry_their_official_codes():
    assert District.objects.count() > 900
    assert District.objects.get(code="1001").province_id == "10"


def test_every_district_code_starts_with_its_province_code():
    for code, province in District.objects.values_list("code", "province_id"):
        assert code.startswith(province)


def test_the_eight_agencies_of_the_agreement_and_their_main_units():
    assert Agency.objects.count() == 8
    assert set(Unit.objects.values_list("agency_id", flat=True)) == set(Agency.objects.values_list("code", flat=True))
    assert Unit.objects.get(code="probation").agency.name_en == "Ministry of Justice"


def test_every_province_has_a_probation_office():
    offices = Office.objects.filter(unit_id="probation")
    assert offices.count() == 77
    assert set(offices.values_list("province_id", flat=True)) == set(Province.objects.values_list("code", flat=True))
    assert offices.get(province_id="50").name_th == "สำนักงานคุมประพฤติจังหวัดเชียงใหม่"
