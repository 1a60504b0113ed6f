from __future__ import annotations

from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("cases/<int:pk>/flags/<int:flag_id>/<slug:action>/", views.flag_act, name="flag_act"),
    path("office/flags/", views.office_flags_view, name="office_flags"),
    path("models/", views.model_list, name="model_list"),
    path("models/<int:pk>/", views.model_card, name="model_card"),
    path("models/<int:pk>/<slug:decision>/", views.model_decide, name="model_decide"),
]
