"""The service's addresses: each app brings its own (``<app>/urls.py``, namespaced by the app)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rehab import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("rehab.cases.urls")),
    path("", include("rehab.referrals.urls")),
    path("", include("rehab.notifications.urls")),
    path("", include("rehab.audit.urls")),
    path("", include("analytics.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
