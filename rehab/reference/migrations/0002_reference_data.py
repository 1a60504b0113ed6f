"""Load the reference data every database needs: regions, provinces, districts, the agencies of
the 2018 agreement with their main units, and a probation office in every province.

Provinces and districts come from the pinned ``geothai`` package (MIT code, CC-BY-4.0 data);
the NSO's seven statistical regions from rehab/reference/data/provinces_regions.csv. The agency list is
frozen here, as a migration must be.
"""

import csv
from pathlib import Path

import geothai
from django.db import migrations

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "provinces_regions.csv"

AGENCIES = [
    ("justice", "กระทรวงยุติธรรม", "Ministry of Justice"),
    ("des", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", "Ministry of Digital Economy and Society"),
    ("social", "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์", "Ministry of Social Development and Human Security"),
    ("interior", "กระทรวงมหาดไทย", "Ministry of Interior"),
    ("labour", "กระทรวงแรงงาน", "Ministry of Labour"),
    ("education", "กระทรวงศึกษาธิการ", "Ministry of Education"),
    ("health", "กระทรวงสาธารณสุข", "Ministry of Public Health"),
    ("police", "สำนักงานตำรวจแห่งชาติ", "Royal Thai Police"),
]

UNITS = [
    ("probation", "justice", "กรมคุมประพฤติ", "Department of Probation"),
    ("corrections", "justice", "กรมราชทัณฑ์", "Department of Corrections"),
    ("rights-liberties", "justice", "กรมคุ้มครองสิทธิและเสรีภาพ", "Rights and Liberties Protection Department"),
    ("justice-fund", "justice", "สำนักงานกองทุนยุติธรรม", "Justice Fund Office"),
    ("etda", "des", "สำนักงานพัฒนาธุรกรรมทางอิเล็กทรอนิกส์", "Electronic Transactions Development Agency"),
    ("nso", "des", "สำนักงานสถิติแห่งชาติ", "National Statistical Office"),
    ("dsdw", "social", "กรมพัฒนาสังคมและสวัสดิการ", "Department of Social Development and Welfare"),
    ("dopa", "interior", "กรมการปกครอง", "Department of Provincial Administration"),
    ("employment", "labour", "กรมการจัดหางาน", "Department of Employment"),
    ("skill-development", "labour", "กรมพัฒนาฝีมือแรงงาน", "Department of Skill Development"),
    ("learning", "education", "กรมส่งเสริมการเรียนรู้ (กศน.)", "Department of Learning Encouragement (non-formal education)"),
    ("medical-services", "health", "กรมการแพทย์", "Department of Medical Services"),
    ("mental-health", "health", "กรมสุขภาพจิต", "Department of Mental Health"),
    ("provincial-police", "police", "ตำรวจภูธร", "Provincial Police"),
]


def load(apps, schema_editor):
    Region = apps.get_model("reference", "Region")
    Province = apps.get_model("reference", "Province")
    District = apps.get_model("reference", "District")
    Agency = apps.get_model("reference", "Agency")
    Unit = apps.get_model("reference", "Unit")
    Office = apps.get_model("reference", "Office")

    with REGIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    region_of = {row["province_code"]: row["region_code"] for row in rows}
    regions = {row["region_code"]: (row["region_th"], row["region_en"]) for row in rows}
    Region.objects.bulk_create(Region(code=code, name_th=th, name_en=en) for code, (th, en) in sorted(regions.items()))

    provinces = geothai.provinces()
    missing = {p.code for p in provinces} ^ set(region_of)
    if missing:
        raise RuntimeError(f"provinces without a region, or regions for unknown provinces: {sorted(missing)}")
    Province.objects.bulk_create(
        Province(code=p.code, name_th=p.name_th, name_en=p.name_en, region_id=region_of[p.code]) for p in provinces
    )
    District.objects.bulk_create(
        District(code=d.code, name_th=d.name_th, name_en=d.name_en, province_id=p.code)
        for p in provinces
        for d in geothai.districts(p.code)
    )

    Agency.objects.bulk_create(Agency(code=code, name_th=th, name_en=en) for code, th, en in AGENCIES)
    Unit.objects.bulk_create(Unit(code=code, agency_id=agency, name_th=th, name_en=en) for code, agency, th, en in UNITS)
    Office.objects.bulk_create(
        Office(
            code=f"probation-{p.code}",
            unit_id="probation",
            province_id=p.code,
            name_th="สำนักงานคุมประพฤติกรุงเทพมหานคร" if p.code == "10" else f"สำนักงานคุมประพฤติจังหวัด{p.name_th}",
            name_en="Bangkok Probation Office" if p.code == "10" else f"{p.name_en} Provincial Probation Office",
        )
        for p in provinces
    )


def unload(apps, schema_editor):
    for model in ("Office", "Unit", "Agency", "District", "Province", "Region"):
        apps.get_model("reference", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
