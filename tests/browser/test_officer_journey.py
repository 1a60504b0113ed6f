"""An officer's first day with a new case, in a real browser (Thai UI), and a look at every main page
in both languages at desktop and phone width (screenshots land in test-artifacts/screenshots/).

Elements are found by name, id and form action, never by their label, so the tests hold whichever
language the labels are in; what is asserted is what the user sees: the data they typed, the state
badge, errors next to fields, fonts that really draw Thai, nothing wider than a phone.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from rehab.cases.models import Case
from rehab.cases.services import case_transition, note_add
from rehab.reference.models import Role
from tests.factories import make_case, make_person, make_user, valid_national_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THAI = re.compile(r"[\u0e00-\u0e7f]")


def ce(day) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def assert_thai_drawn_in_sarabun(tab, selector: str) -> None:
    """The element's Thai text was drawn with Sarabun only: no fallback font, no tofu boxes."""
    text = tab.page.locator(selector).first.inner_text()
    assert THAI.search(text), f"{selector} holds no Thai text: {text!r}"
    fonts = tab.fonts_of(selector)
    assert set(fonts) == {"Sarabun"}, f"{selector} ({text!r}) was drawn with {fonts}"


def test_an_officer_records_an_intake_and_assesses_the_needs(visit, officer):
    today = timezone.localdate()
    national_id = valid_national_id()
    mistyped = national_id[:-1] + str((int(national_id[-1]) + 1) % 10)
    typed = {
        "national_id": mistyped,
        "first_name_th": "สมศักดิ์",
        "last_name_th": "ตั้งใจดี",
        "first_name_en": "Somsak",
        "last_name_en": "Tangjaidee",
        "date_of_birth": "15/03/2535",  # Buddhist Era: 15 March 1992
        "phone": "0812345678",
        "release_date": ce(today - timedelta(days=12)),  # Common Era
        "facility": "เรือนจำกลางคลองเปรม",
        "sentence_months": "30",
        "prior_convictions": "1",
        "supervision_end_date": ce(today + timedelta(days=700)),
    }
    chosen = {"sex": "male", "release_type": "parole", "offence_category": "drugs"}

    tab = visit()
    tab.login(officer.username)
    assert tab.language == "th"
    statics = tab.static_responses()
    assert statics.get("css/app.css") == 200, statics
    assert statics.get("fonts/sarabun/Sarabun-Regular.ttf") == 200, statics
    assert tab.page.evaluate("document.fonts.check('16px Sarabun')")

    # The intake, with the national ID mistyped.
    tab.page.locator("a[href$='/cases/new/']").first.click()
    tab.page.wait_for_url("**/cases/new/")
    tab.wait_for_fonts()
    for name, value in typed.items():
        tab.page.fill(f"input[name={name}]", value)
    for name, value in chosen.items():
        tab.page.select_option(f"select[name={name}]", value)
    option = tab.page.locator("select[name=home_district] option:not([value=''])").nth(3)
    district, district_label = option.get_attribute("value"), option.inner_text()
    tab.page.select_option("select[name=home_district]", district)
    tab.submit("form.form")
    tab.shoot("intake-with-error")

    assert tab.page.url.endswith("/cases/new/")
    error = tab.page.locator("#id_national_id_error")
    assert error.is_visible()
    assert tab.page.locator(".errorlist:not(.nonfield)").count() == 1, "only the national ID is wrong"
    field = tab.page.locator("input[name=national_id]")
    assert "id_national_id_error" in (field.get_attribute("aria-describedby") or "")
    # Next to the field: just above it, in the same column.
    error_box, field_box = error.bounding_box(), field.bounding_box()
    assert 0 <= field_box["y"] - (error_box["y"] + error_box["height"]) < 24
    assert abs(error_box["x"] - field_box["x"]) < 4
    # Nothing typed was lost.
    for name, value in typed.items():
        assert tab.page.input_value(f"input[name={name}]") == value, name
    for name, value in {**chosen, "home_district": district}.items():
        assert tab.page.input_value(f"select[name={name}]") == value, name

    tab.page.fill("input[name=national_id]", national_id)
    tab.submit("form.form")
    assert re.search(r"/cases/\d+/$", tab.page.url), tab.page.url
    case = Case.objects.get(person__national_id=national_id)
    assert tab.page.locator("h1").inner_text().startswith("สมศักดิ์ ตั้งใจดี")
    assert case.number in tab.page.locator("h1").inner_text()
    assert "state-intake" in tab.page.locator("#case-state").get_attribute("class")
    facts = tab.page.locator("section.facts").inner_text()
    assert national_id in facts
    assert "15 มี.ค. 2535" in facts, "the Buddhist Era birth date was read as 1992 and is shown in BE"
    assert "เรือนจำกลางคลองเปรม" in facts
    province_name, district_name = district_label.split(" – ")
    assert f"{district_name}, {province_name}" in facts
    assert_thai_drawn_in_sarabun(tab, "h1")
    tab.shoot("case-intake")

    # Start the needs assessment: the transition's form sits in a closed <details>.
    start = tab.page.locator("details.transition", has=tab.page.locator("form[action$='/transitions/start_assessment/']"))
    button = start.locator("button[type=submit]")
    assert not button.is_visible()
    start.locator("summary").click()
    assert button.is_visible()
    tab.submit("form[action$='/transitions/start_assessment/']")
    assert re.search(rf"/cases/{case.pk}/$", tab.page.url)
    assert "state-assessment" in tab.page.locator("#case-state").get_attribute("class")
    assert tab.page.locator("#timeline li.tl-transition").count() == 1

    # The assessment: two domains with needs, a note, a summary; then finish it.
    tab.page.locator(f"a[href$='/cases/{case.pk}/assessment/']").click()
    tab.page.wait_for_url(f"**/cases/{case.pk}/assessment/")
    tab.wait_for_fonts()
    tab.page.check("input[name=work-level][value=urgent]")
    tab.page.check("input[name=work-needs_stage]")
    tab.page.fill("input[name=work-note]", "ต้องการงานขับรถส่งของ")
    tab.page.check("input[name=documents-level][value=some]")
    tab.page.check("input[name=documents-needs_stage]")
    tab.page.fill("textarea[name=summary]", "ต้องการงานและบัตรประชาชนใหม่")
    tab.shoot("assessment")
    tab.submit("form.form", "button[name=finish]")

    assert re.search(rf"/cases/{case.pk}/$", tab.page.url)
    assert "state-assessment" in tab.page.locator("#case-state").get_attribute("class")
    needs = tab.page.locator("ul.needs")
    assert needs.locator("li.need-urgent").count() == 1
    assert needs.locator("li.need-some").count() == 1
    assert needs.locator("li strong").count() == 2, "both domains are marked as needing a plan stage"
    assert "ต้องการงานและบัตรประชาชนใหม่" in tab.page.locator("section.card", has=needs).inner_text()
    assert "ต้องการงานและบัตรประชาชนใหม่" in tab.page.locator("#timeline li.tl-assessment").inner_text()
    tab.shoot("case-assessed")


def _office_with_cases(officer, colleague):
    """Several cases in different states, one with notes and a timeline."""
    today = timezone.localdate()
    names = [("มาลี", "ศรีสุข", "Malee", "Srisuk"), ("ประเสริฐ", "วงศ์ใหญ่", "", ""), ("อรุณี", "แสงทอง", "Arunee", "Saengthong")]
    cases = []
    for i, (first_th, last_th, first_en, last_en) in enumerate(names):
        person = make_person(first_name_th=first_th, last_name_th=last_th, first_name_en=first_en, last_name_en=last_en)
        cases.append(make_case(officer=officer, person=person, release_date=today - timedelta(days=20 + 40 * i)))
    cases.append(make_case(officer=colleague, release_date=today - timedelta(days=3)))
    busy = cases[0]
    case_transition(case_id=busy.pk, name="start_assessment", by=officer, expected_version=busy.version)
    note_add(
        case=busy,
        by=officer,
        kind="home_visit",
        contacted_at=timezone.now() - timedelta(days=2),
        text="เยี่ยมบ้าน พบมารดา ผู้ถูกคุมประพฤติกำลังหางานทำ",
    )
    note_add(case=busy, by=officer, kind="phone", contacted_at=timezone.now() - timedelta(hours=3), text="โทรนัดรายงานตัววันจันทร์หน้า")
    return cases


def test_the_main_pages_read_well_in_thai_and_english_on_desktop_and_phone(visit, officer, colleague, supervisor):
    cases = _office_with_cases(officer, colleague)
    busy = cases[0]
    auditor = make_user(Role.AUDITOR, username="auditor_x")

    login = visit()
    login.goto("/accounts/login/")
    assert login.language == "th"
    login.shoot("login")
    login.switch_language()
    assert login.language == "en"
    login.shoot("login")

    for language in ("th", "en"):
        tab = visit()
        tab.login(officer.username)
        if language == "en":
            tab.switch_language()
        assert tab.language == language

        assert tab.page.url.endswith("/cases/")
        table = tab.page.locator("table.cases")
        assert table.locator("tbody tr").count() == 3, "the officer's own three cases, not the colleague's"
        # Names in the user's language where the person has a Latin-script name, in Thai otherwise.
        names = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        assert ("มาลี ศรีสุข" if language == "th" else "Malee Srisuk") in names
        assert "ประเสริฐ วงศ์ใหญ่" in names
        assert table.locator("thead").is_visible()
        if language == "th":
            assert_thai_drawn_in_sarabun(tab, "table.cases tbody tr td:nth-child(2) a")
        tab.shoot("caseload")
        with tab.phone():
            assert not table.locator("thead").is_visible(), "on a phone the table turns into cards"
            first, second = (table.locator("tbody tr").nth(i).bounding_box() for i in (0, 1))
            assert first["width"] > 300 and second["y"] >= first["y"] + first["height"], "one card under the other"

        tab.goto(f"/cases/{busy.pk}/")
        assert "state-assessment" in tab.page.locator("#case-state").get_attribute("class")
        assert tab.page.locator("#timeline li").count() == 3
        assert "โทรนัดรายงานตัววันจันทร์หน้า" in tab.page.locator("#timeline").inner_text()
        assert_thai_drawn_in_sarabun(tab, "#timeline .tl-body")
        tab.shoot("case-detail")

        tab.goto(f"/cases/{busy.pk}/assessment/")
        assert tab.page.locator("fieldset.domain").count() == 7
        tab.shoot("assessment-form")

        tab.goto("/cases/new/")
        tab.page.fill("input[name=date_of_birth]", "31/02/2535")
        tab.submit("form.form")
        assert tab.page.locator("#id_date_of_birth_error").is_visible()
        tab.shoot("intake-empty-submitted")

        boss = visit()
        boss.login(supervisor.username)
        if language == "en":
            boss.switch_language()
        assert boss.page.url.endswith("/office/")
        office_name = supervisor.office.name_th if language == "th" else supervisor.office.name_en
        assert boss.page.locator("h1").inner_text() == office_name
        assert boss.page.locator("table.cases tbody tr").count() == 4, "the whole office"
        boss.shoot("office")

        audit = visit()
        audit.login(auditor.username)
        if language == "en":
            audit.switch_language()
        assert audit.page.url.endswith("/audit/")
        assert audit.page.locator("table.cases tbody tr").count() > 0
        audit.shoot("audit-trail")
