"""The hand-off loop in a real browser: an officer sends a stage of the plan to the Bangkok employment
office, its staff accept and complete it, and the officer sees the stage completed. Then a look at every
plan and hand-off page in both languages at desktop and phone width (screenshots land in
test-artifacts/screenshots/).

As in test_officer_journey, elements are found by name, id and form action, never by their label.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from rehab.cases.models import Assessment, AssessmentNeed, CaseState
from rehab.cases.services import appointment_schedule
from rehab.referrals.models import Handoff, HandoffState, Stage, StageState
from rehab.referrals.services import (
    handoff_accept,
    handoff_appointment_schedule,
    handoff_complete,
    handoff_progress,
    handoff_send,
)
from tests.factories import make_case, make_person, make_stage, offer, partner_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def ce(day) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


GOALS = {"employment": "ได้งานประจำภายในสามเดือน", "documents": "ได้บัตรประจำตัวประชาชนใบใหม่"}


def case_with_plan(officer, *, person=None, domains=("employment",), offence_category="drugs"):
    """An active case whose finished assessment asks for work and documents, with plan stages."""
    case = make_case(officer=officer, person=person, state=CaseState.ACTIVE, offence_category=offence_category)
    assessment = Assessment.objects.create(
        case=case, author=officer, assessed_on=timezone.localdate(), finished_at=timezone.now(), summary="ต้องการงานและบัตรประชาชน"
    )
    AssessmentNeed.objects.create(assessment=assessment, domain="work", level="urgent", needs_stage=True, note="ว่างงานตั้งแต่พ้นโทษ")
    AssessmentNeed.objects.create(assessment=assessment, domain="documents", level="some", needs_stage=True)
    stages = [make_stage(case, domain=domain, by=officer, goal=GOALS[domain]) for domain in domains]
    return case, stages


def send(stage, officer, *, request="ช่วยหางานตำแหน่งพนักงานคลังสินค้า", shared=("contact",)):
    return handoff_send(
        stage_id=stage.pk,
        offer_id=offer(partner_office("employment", "10"), "job_placement").pk,
        by=officer,
        request=request,
        shared=list(shared),
    )


def test_officer_sends_staff_accepts_and_completes_and_the_officer_sees_the_stage_completed(visit, officer, employment_staff):
    person = make_person(first_name_th="วิชัย", last_name_th="ทองดี")
    case, [stage] = case_with_plan(officer, person=person, offence_category="violent")
    job_offer = offer(partner_office("employment", "10"), "job_placement")
    yesterday = timezone.localdate() - timedelta(days=1)

    # The officer opens the case, its plan, and the stage's hand-off form.
    tab = visit()
    tab.login(officer.username)
    tab.goto(f"/cases/{case.pk}/")
    tab.follow(f"#plan a[href$='/cases/{case.pk}/plan/']")
    assert "stage-planned" in tab.page.locator(f"#stage-{stage.pk} [data-stage]").get_attribute("class")
    tab.follow(f"#stage-{stage.pk} a[href$='/cases/{case.pk}/stages/{stage.pk}/handoff/']")

    # A first try with an answer deadline in the past is refused, next to the field, losing nothing.
    tab.page.check(f"input[name=offer][value='{job_offer.pk}']")
    tab.page.fill("textarea[name=request]", "ช่วยหางานขับรถส่งของ")
    tab.page.check("input[name=shared][value=contact]")
    tab.page.fill("input[name=respond_by]", ce(yesterday))
    tab.submit("form.form")
    assert tab.page.locator("#id_respond_by_error").is_visible()
    assert tab.page.is_checked(f"input[name=offer][value='{job_offer.pk}']")
    assert tab.page.input_value("textarea[name=request]") == "ช่วยหางานขับรถส่งของ"
    assert tab.page.is_checked("input[name=shared][value=contact]")
    assert not Handoff.objects.exists()

    # The form sent twice at the same moment (what a double click does where the page's script did not
    # run): both requests lead to the one hand-off, thanks to the form's idempotency key.
    tab.page.fill("input[name=respond_by]", "")
    send_button = tab.page.locator("form.form button[type=submit]")
    assert send_button.get_attribute("data-once") is not None
    statuses = tab.page.evaluate(
        """async () => {
            const form = document.querySelector("form.form");
            const send = () => fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"});
            const responses = await Promise.all([send(), send()]);
            return responses.map((r) => [r.status, new URL(r.url).pathname]);
        }"""
    )
    [handoff] = Handoff.objects.filter(stage=stage)
    assert statuses == [[200, f"/handoffs/{handoff.pk}/"]] * 2, statuses
    # ...and an impatient second click while the first one is on its way sends nothing (the button is
    # disabled): the form's request is held back until both clicks are done.
    held: list = []
    form_url = f"**/cases/{case.pk}/stages/{stage.pk}/handoff/"
    tab.page.route(form_url, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    # (Clicked from the page's own script: Playwright waits for the next page once a navigation started.)
    tab.page.evaluate(
        """() => {
            const button = document.querySelector("form.form button[type=submit]");
            button.click();
            setTimeout(() => button.click(), 100);
        }"""
    )
    tab.page.wait_for_timeout(300)
    assert len(held) == 1, "the second click sent the form again"
    with tab.page.expect_navigation():
        held[0].continue_()
    tab.page.unroute(form_url)
    tab.wait_for_fonts()
    assert tab.page.url.endswith(f"/handoffs/{handoff.pk}/")
    assert Handoff.objects.filter(stage=stage).count() == 1
    assert "handoff-sent" in tab.page.locator("#handoff-state").get_attribute("class")
    assert tab.page.locator("#ledger li.intact").count() == 1

    # The employment office's staff find it in their inbox, among the new ones.
    staff = visit()
    staff.login(employment_staff.username)
    assert staff.page.url.endswith("/inbox/")
    new_tab = staff.page.locator("nav.tabs a[aria-current=page]")
    assert new_tab.get_attribute("href") == "?tab=new"
    row = staff.page.locator("table.cases tbody tr", has=staff.page.locator(f"a[href$='/handoffs/{handoff.pk}/']"))
    assert "วิชัย ทองดี" in row.inner_text()
    staff.follow(f"table.cases a[href$='/handoffs/{handoff.pk}/']")
    assert "วิชัย ทองดี" in staff.page.locator("#person").inner_text()
    with translation.override("th"):
        offence = str(case.get_offence_category_display())
    assert offence not in staff.page.content(), "no offence category reaches the receiving office"

    staff.submit(f"form[action$='/handoffs/{handoff.pk}/accept/']")
    assert "handoff-accepted" in staff.page.locator("#handoff-state").get_attribute("class")
    complete = f"form[action$='/handoffs/{handoff.pk}/complete/']"
    staff.open_details(complete)
    staff.page.select_option(f"{complete} select[name=outcome]", "placed")
    staff.page.fill(f"{complete} textarea[name=note]", "เริ่มงานที่บริษัทขนส่ง วันจันทร์หน้า")
    staff.shoot("handoff-receiver-completing")
    staff.submit(complete)
    assert "handoff-completed" in staff.page.locator("#handoff-state").get_attribute("class")
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.COMPLETED

    # The officer reloads the case: the stage and its hand-off are completed, and two notifications wait.
    tab.goto(f"/cases/{case.pk}/")
    assert "stage-completed" in tab.page.locator(f"#plan [data-stage='{stage.pk}']").get_attribute("class")
    assert "handoff-completed" in tab.page.locator(f"#plan [data-handoff='{handoff.pk}']").get_attribute("class")
    assert tab.page.locator("#unread-count").inner_text() == "2"  # accepted, completed
    tab.follow("a[href$='/notifications/']")
    assert tab.page.locator("ul.notifications li.unread").count() == 2
    tab.submit("main form[method=post]")
    assert tab.page.locator("ul.notifications li.unread").count() == 0
    assert tab.page.locator("#unread-count").count() == 0
    assert Stage.objects.get(pk=stage.pk).state == StageState.COMPLETED


def _busy_office(officer, employment_staff):
    """Several hand-offs to the Bangkok employment office in every state, one of them overdue."""
    today = timezone.localdate()
    names = [
        ("มาลี", "ศรีสุข", "Malee", "Srisuk"),
        ("ประเสริฐ", "วงศ์ใหญ่", "", ""),
        ("อรุณี", "แสงทอง", "Arunee", "Saengthong"),
        ("สมหญิง", "รักงาน", "Somying", "Rakngan"),
    ]
    cases = []
    for first_th, last_th, first_en, last_en in names:
        person = make_person(
            first_name_th=first_th, last_name_th=last_th, first_name_en=first_en, last_name_en=last_en, phone="0812345678"
        )
        cases.append(case_with_plan(officer, person=person, domains=("employment", "documents")))
    [job, _], [late_job, _], [done_job, _], [planned, _] = (stages for _case, stages in cases)
    main = job.case
    sent = send(job, officer, shared=("contact", "needs"))
    overdue = send(late_job, officer, request="ขอสัมภาษณ์งานด่วน")
    Handoff.objects.filter(pk=overdue.pk).update(respond_by=today - timedelta(days=3))
    finished = send(done_job, officer)
    handoff_accept(handoff_id=finished.pk, by=employment_staff)
    handoff_progress(handoff_id=finished.pk, by=employment_staff, text="นัดสัมภาษณ์กับบริษัทแล้ว")
    handoff_complete(handoff_id=finished.pk, by=employment_staff, outcome="placed", note="เริ่มงาน 1 ของเดือนหน้า")
    tomorrow_ten = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
    appointment_schedule(case=main, by=officer, kind="report_in", starts_at=tomorrow_ten, place="สำนักงานคุมประพฤติ")
    handoff_appointment_schedule(
        handoff_id=sent.pk, by=officer, kind="agency", starts_at=tomorrow_ten + timedelta(days=2), place="สำนักงานจัดหางาน"
    )
    return main, planned, sent, finished


def test_the_plan_and_hand_off_pages_read_well_in_thai_and_english_on_desktop_and_phone(visit, officer, employment_staff):
    main, planned, sent, finished = _busy_office(officer, employment_staff)
    yesterday = timezone.localdate() - timedelta(days=1)

    for language in ("th", "en"):
        tab = visit()
        tab.login(officer.username)
        if language == "en":
            tab.switch_language()
        assert tab.language == language

        tab.goto(f"/cases/{main.pk}/")
        assert tab.page.locator("#plan [data-stage]").count() == 2
        assert "handoff-sent" in tab.page.locator(f"#plan [data-handoff='{sent.pk}']").get_attribute("class")
        assert tab.page.locator("#appointments ul.appointments li").count() == 2
        tab.open_details(f"form[action$='/cases/{main.pk}/appointments/']")
        tab.shoot("handoff-case-detail")

        tab.goto(f"/cases/{main.pk}/plan/")
        assert tab.page.locator("li.stage").count() == 2
        tab.open_details(f"form[action$='/cases/{main.pk}/consents/']")
        tab.shoot("plan")

        tab.goto(f"/cases/{planned.case_id}/stages/{planned.pk}/handoff/")
        assert tab.page.locator("input[name=offer]").count() == 2, "job placement and vocational training in Bangkok"
        if language == "th":
            tab.assert_thai_in_sarabun("label.offer")
        tab.shoot("handoff-new")
        tab.page.locator("input[name=offer]").first.check()
        tab.page.fill("textarea[name=request]", "ช่วยหางานแม่บ้านโรงแรม")
        tab.page.fill("input[name=respond_by]", ce(yesterday))
        tab.submit("form.form")
        assert tab.page.locator("#id_respond_by_error").is_visible()
        tab.shoot("handoff-new-error")

        tab.goto(f"/handoffs/{sent.pk}/")
        assert tab.page.locator("#ledger li.intact").count() == 1
        assert tab.page.locator("section.card ul.appointments li").count() == 1
        if language == "th":
            tab.assert_thai_in_sarabun("#handoff-state")
        tab.shoot("handoff-sender")
        tab.goto(f"/handoffs/{finished.pk}/")
        assert tab.page.locator("#ledger li.intact").count() == 4
        tab.shoot("handoff-sender-completed")

        tab.goto("/handoffs/?state=all")
        assert tab.page.locator("table.cases tbody tr").count() == 3
        tab.shoot("my-handoffs")

        tab.goto("/notifications/")
        tab.shoot("notifications")

        staff = visit()
        staff.login(employment_staff.username)
        if language == "en":
            staff.switch_language()
        assert staff.page.url.endswith("/inbox/")
        assert staff.page.locator("table.cases tbody tr").count() == 2
        assert staff.page.locator("table.cases .badge-overdue").count() == 1, "the overdue answer deadline stands out"
        if language == "th":
            staff.assert_thai_in_sarabun("table.cases tbody td:nth-child(3)")
        staff.shoot("inbox")
        with staff.phone():
            assert not staff.page.locator("table.cases thead").is_visible(), "on a phone the table turns into cards"
        staff.goto("/inbox/?tab=overdue")
        assert staff.page.locator("table.cases tbody tr").count() == 1
        staff.goto(f"/handoffs/{sent.pk}/")
        assert staff.page.locator("#ledger").count() == 0, "the transaction record is the sender's"
        assert "0812345678" in staff.page.locator("#person").inner_text(), "contact details were shared"
        staff.open_details(f"form[action$='/handoffs/{sent.pk}/decline/']")
        staff.shoot("handoff-receiver")
