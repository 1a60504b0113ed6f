from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from rehab import views


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
    path("office/", views.office_view, name="office"),
    path("audit/", views.audit_trail_view, name="audit_trail"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
