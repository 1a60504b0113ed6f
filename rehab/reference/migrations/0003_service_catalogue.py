"""Partner offices in every province, the service catalogue with its deadlines, and the Thai public
holidays of 2026-2027.

Deadlines are working days and can be changed per office in the admin. Holidays are a list an
administrator keeps up to date each year (the Cabinet announces substitution days and the lunar
Buddhist holidays): 2026 is complete, 2027 has its fixed-date holidays only.
"""

from datetime import date

from django.db import migrations

# unit, Thai name pattern ({th} = province; Bangkok gets its own), English pattern, [(service, respond, complete)]
PARTNER_OFFICES = [
    (
        "employment",
        "สำนักงานจัดหางานจังหวัด{th}",
        "สำนักงานจัดหางานกรุงเทพมหานคร",
        "{en} Provincial Employment Office",
        [("job_placement", 3, 30)],
    ),
    (
        "skill-development",
        "สำนักงานพัฒนาฝีมือแรงงาน{th}",
        "สถาบันพัฒนาฝีมือแรงงาน กรุงเทพมหานคร",
        "{en} Skill Development Office",
        [("vocational_training", 5, 60)],
    ),
    (
        "learning",
        "สำนักงานส่งเสริมการเรียนรู้จังหวัด{th}",
        "สำนักงานส่งเสริมการเรียนรู้กรุงเทพมหานคร",
        "{en} Learning Encouragement Office",
        [("education", 5, 60)],
    ),
    (
        "dopa",
        "ที่ทำการปกครองจังหวัด{th}",
        "สำนักทะเบียนกลาง กรุงเทพมหานคร",
        "{en} Provincial Administration Office",
        [("id_card", 3, 15), ("house_registration", 3, 30)],
    ),
    (
        "dsdw",
        "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด{th}",
        "ศูนย์บริการคนไร้ที่พึ่ง กรุงเทพมหานคร",
        "{en} Social Development and Human Security Office",
        [("welfare_grant", 5, 30), ("shelter", 2, 15)],
    ),
    (
        "justice-fund",
        "สำนักงานยุติธรรมจังหวัด{th}",
        "สำนักงานกองทุนยุติธรรม กรุงเทพมหานคร",
        "{en} Provincial Justice Office",
        [("legal_aid", 5, 30), ("bail", 2, 10)],
    ),
    (
        "medical-services",
        "โรงพยาบาลประจำจังหวัด{th} (คลินิกบำบัดยาเสพติด)",
        "สถาบันบำบัดรักษาและฟื้นฟูผู้ติดยาเสพติดแห่งชาติบรมราชชนนี",
        "{en} Provincial Hospital drug clinic",
        [("health_screening", 3, 30), ("drug_treatment", 3, 120), ("mental_health", 5, 90)],
    ),
]
PROBATION_SERVICES = [("behaviour_programme", 5, 90)]

HOLIDAYS = [
    (date(2026, 1, 1), "วันขึ้นปีใหม่", "New Year's Day"),
    (date(2026, 3, 3), "วันมาฆบูชา", "Makha Bucha Day"),
    (date(2026, 4, 6), "วันจักรี", "Chakri Memorial Day"),
    (date(2026, 4, 13), "วันสงกรานต์", "Songkran"),
    (date(2026, 4, 14), "วันสงกรานต์", "Songkran"),
    (date(2026, 4, 15), "วันสงกรานต์", "Songkran"),
    (date(2026, 5, 1), "วันแรงงานแห่งชาติ", "National Labour Day"),
    (date(2026, 5, 4), "วันฉัตรมงคล", "Coronation Day"),
    (date(2026, 6, 1), "ชดเชยวันวิสาขบูชา", "Visakha Bucha Day (substitution)"),
    (date(2026, 6, 3), "วันเฉลิมพระชนมพรรษาสมเด็จพระราชินี", "Queen Suthida's Birthday"),
    (date(2026, 7, 28), "วันเฉลิมพระชนมพรรษาพระบาทสมเด็จพระเจ้าอยู่หัว", "King's Birthday"),
    (date(2026, 7, 29), "วันอาสาฬหบูชา", "Asarnha Bucha Day"),
    (date(2026, 7, 30), "วันเข้าพรรษา", "Buddhist Lent Day"),
    (date(2026, 8, 12), "วันแม่แห่งชาติ", "Mother's Day"),
    (date(2026, 10, 13), "วันนวมินทรมหาราช", "King Bhumibol Memorial Day"),
    (date(2026, 10, 23), "วันปิยมหาราช", "Chulalongkorn Day"),
    (date(2026, 12, 7), "ชดเชยวันพ่อแห่งชาติ", "Father's Day (substitution)"),
    (date(2026, 12, 10), "วันรัฐธรรมนูญ", "Constitution Day"),
    (date(2026, 12, 31), "วันสิ้นปี", "New Year's Eve"),
    (date(2027, 1, 1), "วันขึ้นปีใหม่", "New Year's Day"),
    (date(2027, 4, 6), "วันจักรี", "Chakri Memorial Day"),
    (date(2027, 4, 13), "วันสงกรานต์", "Songkran"),
    (date(2027, 4, 14), "วันสงกรานต์", "Songkran"),
    (date(2027, 4, 15), "วันสงกรานต์", "Songkran"),
    (date(2027, 5, 3), "ชดเชยวันแรงงานแห่งชาติ", "National Labour Day (substitution)"),
    (date(2027, 5, 4), "วันฉัตรมงคล", "Coronation Day"),
    (date(2027, 6, 3), "วันเฉลิมพระชนมพรรษาสมเด็จพระราชินี", "Queen Suthida's Birthday"),
    (date(2027, 7, 28), "วันเฉลิมพระชนมพรรษาพระบาทสมเด็จพระเจ้าอยู่หัว", "King's Birthday"),
    (date(2027, 8, 12), "วันแม่แห่งชาติ", "Mother's Day"),
    (date(2027, 10, 13), "วันนวมินทรมหาราช", "King Bhumibol Memorial Day"),
    (date(2027, 10, 25), "ชดเชยวันปิยมหาราช", "Chulalongkorn Day (substitution)"),
    (date(2027, 12, 6), "ชดเชยวันพ่อแห่งชาติ", "Father's Day (substitution)"),
    (date(2027, 12, 10), "วันรัฐธรรมนูญ", "Constitution Day"),
    (date(2027, 12, 31), "วันสิ้นปี", "New Year's Eve"),
]


def load(apps, schema_editor):
    Province = apps.get_model("reference", "Province")
    Office = apps.get_model("reference", "Office")
    ServiceOffer = apps.get_model("reference", "ServiceOffer")
    PublicHoliday = apps.get_model("reference", "PublicHoliday")

    provinces = list(Province.objects.order_by("code"))
    offices = []
    services = []
    for unit, th_pattern, bangkok_th, en_pattern, offered in PARTNER_OFFICES:
        for p in provinces:
            office = Office(
                code=f"{unit}-{p.code}",
                unit_id=unit,
                province_id=p.code,
                name_th=bangkok_th if p.code == "10" else th_pattern.format(th=p.name_th),
                name_en=en_pattern.format(en=p.name_en),
            )
            offices.append(office)
            services += [(office.code, service, respond, complete) for service, respond, complete in offered]
    Office.objects.bulk_create(offices)
    for p in provinces:
        services += [(f"probation-{p.code}", service, respond, complete) for service, respond, complete in PROBATION_SERVICES]
    office_ids = dict(Office.objects.values_list("code", "pk"))
    ServiceOffer.objects.bulk_create(
        ServiceOffer(office_id=office_ids[code], service=service, respond_days=respond, complete_days=complete)
        for code, service, respond, complete in services
    )
    PublicHoliday.objects.bulk_create(PublicHoliday(day=day, name_th=th, name_en=en) for day, th, en in HOLIDAYS)


def unload(apps, schema_editor):
    apps.get_model("reference", "ServiceOffer").objects.all().delete()
    apps.get_model("reference", "PublicHoliday").objects.all().delete()
    apps.get_model("reference", "Office").objects.exclude(unit_id="probation").delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0002_reference_data")]

    operations = [migrations.RunPython(load, unload)]
