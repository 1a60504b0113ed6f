from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from rehab import handoff_views, views


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cases/", views.caseload_view, name="caseload"),
    path("cases/new/", views.case_intake_view, name="case_intake"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/assessment/", views.assessment_view, name="case_assessment"),
    path("cases/<int:pk>/notes/", views.note_add_view, name="case_note_add"),
    path("cases/<int:pk>/transitions/<slug:name>/", views.case_transition_view, name="case_transition"),
    path("cases/<int:pk>/reassign/", views.case_reassign_view, name="case_reassign"),
    path("cases/<int:pk>/plan/", handoff_views.case_plan, name="case_plan"),
    path("cases/<int:pk>/plan/stages/", handoff_views.stage_add_view, name="stage_add"),
    path("cases/<int:pk>/plan/no-needs/", handoff_views.plan_no_needs_view, name="plan_no_needs"),
    path("cases/<int:pk>/stages/<int:stage_id>/discontinue/", handoff_views.stage_discontinue_view, name="stage_discontinue"),
    path("cases/<int:pk>/stages/<int:stage_id>/handoff/", handoff_views.handoff_new, name="handoff_new"),
    path("cases/<int:pk>/consents/", handoff_views.consent_add_view, name="consent_add"),
    path("cases/<int:pk>/consents/<int:consent_id>/withdraw/", handoff_views.consent_withdraw_view, name="consent_withdraw"),
    path("cases/<int:pk>/appointments/", handoff_views.appointment_new, name="appointment_new"),
    path("cases/<int:pk>/handoffs.json", handoff_views.case_handoffs_json, name="case_handoffs_json"),
    path("appointments/<int:pk>/<slug:mark>/", handoff_views.appointment_mark_view, name="appointment_mark"),
    path("handoffs/", handoff_views.my_handoffs, name="my_handoffs"),
    path("handoffs/<int:pk>/", handoff_views.handoff_detail, name="handoff_detail"),
    path("handoffs/<int:pk>/<slug:action>/", handoff_views.handoff_act, name="handoff_act"),
    path("inbox/", handoff_views.inbox_view, name="inbox"),
    path("inbox/export.csv", handoff_views.inbox_export, name="inbox_export"),
    path("notifications/", handoff_views.notifications_view, name="notifications"),
    path("office/", views.office_view, name="office"),
    path("audit/", views.audit_trail_view, name="audit_trail"),
    path("", include("analytics.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
