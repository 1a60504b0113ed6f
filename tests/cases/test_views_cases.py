from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rehab.audit.models import AuditEvent
from rehab.cases.models import Assessment, Case, CaseState
from tests.factories import make_case, make_person, valid_national_id

pytestmark = pytest.mark.django_db


def intake_data(**overrides):
    data = {
        "national_id": valid_national_id(),
        "first_name_th": "สมหญิง",
        "last_name_th": "รักดี",
        "first_name_en": "Somying",
        "last_name_en": "Rakdee",
        "date_of_birth": "15/03/2538",  # Buddhist Era: 1995
        "sex": "female",
        "phone": "081-234-5678",
        "home_district": "1001",
        "release_type": "parole",
        "release_date": (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y"),
        "facility": "ทัณฑสถานหญิงกลาง",
        "offence_category": "drugs",
        "sentence_months": "30",
        "prior_convictions": "1",
        "supervision_end_date": "",
    }
    data.update(overrides)
    return data


class TestIntakePage:
    def test_a_mistyped_id_is_explained_next_to_the_field_and_nothing_typed_is_lost(self, client, officer):
        client.force_login(officer)
        good = valid_national_id()
        typo = good[:12] + str((int(good[12]) + 1) % 10)
        response = client.post(reverse("cases:intake"), intake_data(national_id=typo))
        assert response.status_code == 400
        html = response.content.decode()
        assert "check digit" in html
        form = response.context["form"]
        assert list(form.errors) == ["national_id"]
        for field, value in (
            ("national_id", typo),
            ("first_name_th", "สมหญิง"),
            ("date_of_birth", "15/03/2538"),
            ("phone", "081-234-5678"),
        ):
            assert form[field].value() == value
            assert f'value="{value}"' in html
        assert not Case.objects.exists()

        response = client.post(reverse("cases:intake"), intake_data(national_id=good))
        case = Case.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
        assert case.person.date_of_birth.year == 1995
        assert case.person.national_id == good and case.officer == officer

    def test_every_missing_field_is_named(self, client, officer):
        client.force_login(officer)
        response = client.post(reverse("cases:intake"), {})
        assert response.status_code == 400
        assert {
            "national_id",
            "first_name_th",
            "last_name_th",
            "date_of_birth",
            "sex",
            "release_type",
            "release_date",
            "offence_category",
            "sentence_months",
        } <= set(response.context["form"].errors)

    def test_a_release_before_birth_is_refused_on_the_release_date(self, client, officer):
        client.force_login(officer)
        response = client.post(reverse("cases:intake"), intake_data(date_of_birth="01/01/2000", release_date="01/01/1999"))
        assert "release_date" in response.context["form"].errors

    def test_the_same_name_and_birth_date_warns_after_saving(self, client, officer):
        from datetime import date

        make_person(first_name_th="สมหญิง", last_name_th="รักดี", date_of_birth=date(1995, 3, 15))
        client.force_login(officer)
        response = client.post(reverse("cases:intake"), intake_data(), follow=True)
        assert "same name and date of birth" in response.content.decode()


class TestCasePage:
    def test_the_page_shows_the_facts_in_thai_with_buddhist_era_dates(self, client, officer):
        case = make_case(
            officer=officer,
            release_date=timezone.localdate().replace(month=1, day=5) if timezone.localdate().month > 1 else timezone.localdate(),
        )
        client.force_login(officer)
        client.cookies["django_language"] = "th"
        html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert f"{case.release_date.year + 543}" in html
        assert 'lang="th"' in html

    def test_viewing_a_case_is_audited_without_personal_data(self, client, officer):
        case = make_case(officer=officer)
        client.force_login(officer)
        client.get(reverse("cases:detail", args=[case.pk]))
        event = AuditEvent.objects.get(action="view", object_id=str(case.pk))
        assert event.outcome == "ok" and case.person.national_id not in str(event.detail)

    def test_only_permitted_transitions_are_offered(self, client, officer):
        case = make_case(officer=officer)
        client.force_login(officer)
        html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert reverse("cases:transition", args=[case.pk, "start_assessment"]) in html
        assert reverse("cases:transition", args=[case.pk, "close"]) not in html  # the supervisor's

    def test_a_transition_with_its_reason_lands_in_the_timeline(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        client.force_login(officer)
        url = reverse("cases:transition", args=[case.pk, "suspend"])
        response = client.post(url, {"suspend-version": case.version, "suspend-reason": "ป่วยหนัก เข้าโรงพยาบาล"}, follow=True)
        assert Case.objects.get(pk=case.pk).state == CaseState.SUSPENDED
        html = response.content.decode()
        assert "ป่วยหนัก เข้าโรงพยาบาล" in html and "Suspended" in html

    def test_a_missing_reason_is_asked_for_and_the_state_does_not_move(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        client.force_login(officer)
        response = client.post(
            reverse("cases:transition", args=[case.pk, "suspend"]), {"suspend-version": case.version, "suspend-reason": ""}
        )
        assert response.status_code == 400
        assert "Give a reason" in response.content.decode()
        assert Case.objects.get(pk=case.pk).state == CaseState.ACTIVE

    def test_a_refused_transition_says_why_on_the_page(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ACTIVE, supervision_end_date=timezone.localdate() + timedelta(days=90))
        client.force_login(officer)
        response = client.post(
            reverse("cases:transition", args=[case.pk, "complete"]), {"complete-version": case.version, "complete-reason": "ok"}
        )
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "cannot make this change" in page

    def test_two_people_on_the_same_case_the_second_is_told_to_reload_and_keeps_the_reason(self, client, officer, supervisor):
        case = make_case(officer=officer, state=CaseState.ACTIVE)
        seen_version = case.version
        client.force_login(supervisor)
        client.post(
            reverse("cases:transition", args=[case.pk, "suspend"]),
            {"suspend-version": seen_version, "suspend-reason": "hospital"},
        )
        client.force_login(officer)
        # The officer's page was loaded before the supervisor acted: a resume is not possible from there.
        Case.objects.filter(pk=case.pk)  # the row has moved on
        response = client.post(
            reverse("cases:transition", args=[case.pk, "resume"]), {"resume-version": seen_version, "resume-reason": "back home"}
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "changed by someone else" in html and "back home" in html
        assert Case.objects.get(pk=case.pk).state == CaseState.SUSPENDED

    def test_a_contact_note_updates_the_last_contact(self, client, officer):
        case = make_case(officer=officer)
        client.force_login(officer)
        yesterday = timezone.localdate() - timedelta(days=1)
        response = client.post(
            reverse("cases:note_add", args=[case.pk]),
            {
                "kind": "home_visit",
                "contacted_on": yesterday.strftime("%d/%m/%Y"),
                "contacted_time": "09:30",
                "text": "เยี่ยมบ้าน พบมารดา",
            },
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.notes.get().text == "เยี่ยมบ้าน พบมารดา"
        assert timezone.localtime(case.last_contact_at).strftime("%H:%M") == "09:30"

    def test_a_rejected_note_keeps_its_text(self, client, officer):
        case = make_case(officer=officer)
        client.force_login(officer)
        response = client.post(
            reverse("cases:note_add", args=[case.pk]),
            {"kind": "phone", "contacted_on": "31/02/2569", "contacted_time": "09:30", "text": "โทรติดตาม"},
        )
        assert response.status_code == 400
        assert "โทรติดตาม" in response.content.decode()
        assert "contacted_on" in response.context["note_form"].errors


class TestAssessmentPage:
    def test_the_officer_assesses_needs_and_finishes(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        client.force_login(officer)
        url = reverse("cases:assessment", args=[case.pk])
        assert client.get(url).status_code == 200
        data = {"assessed_on": timezone.localdate().strftime("%d/%m/%Y"), "summary": "ต้องการงานและบัตรประชาชน"}
        for domain in ("education", "work", "health", "housing", "documents", "legal_aid", "family"):
            data[f"{domain}-level"] = "none"
        data.update(
            {
                "work-level": "urgent",
                "work-needs_stage": "on",
                "documents-level": "some",
                "documents-needs_stage": "on",
                "legal_aid-level": "some",
            }
        )
        assert client.post(url, data).status_code == 302  # saved as a draft
        assert Assessment.objects.get(case=case).domains_in_need == ""
        response = client.post(url, {**data, "finish": "1"})
        assert response.status_code == 302
        assessment = Assessment.objects.get(case=case)
        assert assessment.is_finished
        assert set(assessment.needs.filter(needs_stage=True).values_list("domain", flat=True)) == {"work", "documents"}
        # What the risk features read: the domains with a need, kept when the assessment was finished.
        assert assessment.domains_in_need == "documents legal_aid work"

    def test_a_stage_for_a_domain_with_no_need_is_refused_next_to_it(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        client.force_login(officer)
        url = reverse("cases:assessment", args=[case.pk])
        data = {"assessed_on": timezone.localdate().strftime("%d/%m/%Y")}
        for domain in ("education", "work", "health", "housing", "documents", "legal_aid", "family"):
            data[f"{domain}-level"] = "none"
        data["family-needs_stage"] = "on"
        response = client.post(url, data)
        assert response.status_code == 400
        assert "family-needs_stage" in response.context["form"].errors

    def test_opening_the_assessment_page_writes_nothing(self, client, officer):
        case = make_case(officer=officer, state=CaseState.ASSESSMENT)
        client.force_login(officer)
        assert client.get(reverse("cases:assessment", args=[case.pk])).status_code == 200
        assert not Assessment.objects.exists()
        assert not AuditEvent.objects.filter(action="create").exists()

    def test_an_intake_case_must_start_the_assessment_first(self, client, officer):
        case = make_case(officer=officer)
        client.force_login(officer)
        response = client.get(reverse("cases:assessment", args=[case.pk]), follow=True)
        assert "Start the needs assessment on the case first" in response.content.decode()


class TestCaseload:
    def _queries(self, client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def test_the_caseload_costs_the_same_queries_for_5_cases_and_for_200(self, client, officer):
        client.force_login(officer)
        for _ in range(5):
            make_case(officer=officer)
        small = self._queries(client, reverse("cases:caseload"))
        for _ in range(195):
            make_case(officer=officer)
        assert self._queries(client, reverse("cases:caseload")) == small
        assert self._queries(client, reverse("cases:caseload") + "?page=3&sort=name") == small

    def test_search_by_name_id_and_case_number_filter_and_paginate(self, client, officer, colleague):
        target = make_case(officer=officer, person=make_person(first_name_th="มานะ", last_name_th="อดทน"))
        for _ in range(30):
            make_case(officer=officer)
        make_case(officer=colleague, person=make_person(first_name_th="มานะ", last_name_th="คนอื่น"))
        client.force_login(officer)
        for query in ("มานะ", target.person.national_id, target.number):
            page = client.get(reverse("cases:caseload"), {"q": query}).context["page"]
            assert [c.pk for c in page.object_list] == [target.pk], query
        first = client.get(reverse("cases:caseload")).context["page"]
        assert first.paginator.count == 31 and len(first.object_list) == 25
        assert len(client.get(reverse("cases:caseload"), {"page": 2}).context["page"].object_list) == 6
        Case.objects.filter(pk=target.pk).update(state=CaseState.ACTIVE)
        assert [c.pk for c in client.get(reverse("cases:caseload"), {"state": "active"}).context["page"].object_list] == [
            target.pk
        ]

    def test_the_caseload_shows_days_since_release_and_last_contact(self, client, officer):
        make_case(officer=officer, release_date=timezone.localdate() - timedelta(days=12))
        client.force_login(officer)
        html = client.get(reverse("cases:caseload")).content.decode()
        assert ">12<" in html and "never" in html


class TestOfficePage:
    def test_the_supervisor_sees_the_office_and_reassigns(self, client, officer, colleague, supervisor):
        case = make_case(officer=officer)
        client.force_login(supervisor)
        page = client.get(reverse("cases:office"))
        assert page.status_code == 200 and case.number in page.content.decode()
        response = client.post(reverse("cases:reassign", args=[case.pk]), {"officer": colleague.pk, "version": case.version})
        assert response.status_code == 302
        assert Case.objects.get(pk=case.pk).officer == colleague

    def test_an_officer_cannot_open_the_office_page(self, client, officer):
        client.force_login(officer)
        assert client.get(reverse("cases:office")).status_code == 403


def test_thai_is_the_default_whatever_the_browser_asks_and_english_is_one_click_away(client, officer):
    client.cookies.pop("django_language", None)
    client.force_login(officer)
    page = client.get(reverse("cases:caseload"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="th"' in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("cases:caseload")})
    assert 'lang="en"' in client.get(reverse("cases:caseload")).content.decode()


def test_the_caseload_lists_open_cases_unless_asked_for_all(client, officer):
    open_case = make_case(officer=officer, state=CaseState.ACTIVE)
    done = make_case(officer=officer, state=CaseState.COMPLETED)
    client.force_login(officer)
    listed = lambda **params: {c.pk for c in client.get(reverse("cases:caseload"), params).context["page"].object_list}  # noqa: E731
    assert listed() == {open_case.pk}
    assert listed(state="") == {open_case.pk, done.pk}
    assert listed(state="completed") == {done.pk}


def test_a_long_list_stops_counting_and_says_more_than(client, officer, monkeypatch, settings):
    monkeypatch.setattr("rehab.core.pagination.COUNT_CAP", 3)
    settings.CASELOAD_PAGE_SIZE = 2
    for _ in range(6):
        make_case(officer=officer, state=CaseState.ACTIVE)
    client.force_login(officer)
    page = client.get(reverse("cases:caseload")).content.decode()
    assert "More than 3 cases: search or choose a state to see fewer." in page
    assert "Page 1</span>" in page and "Page 1 of" not in page
    monkeypatch.setattr("rehab.core.pagination.COUNT_CAP", 10)
    page = client.get(reverse("cases:caseload")).content.decode()
    assert "6 cases" in page and "Page 1 of 3" in page
