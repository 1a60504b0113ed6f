"""The admin is for administrators: users, offices and reference data. Case work happens in the pages of
the service, where access rules and the audit trail apply."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from rehab.reference.models import Agency, District, Office, Province, PublicHoliday, Region, ServiceOffer, Unit, User


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "office", "is_active")
    list_filter = ("role", "is_active", "office__unit")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("office",)
    fieldsets = (*UserAdmin.fieldsets, (_("Role"), {"fields": ("role", "office", "is_office_head")}))  # type: ignore[misc]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en", "region")
    list_filter = ("region",)
    search_fields = ("name_th", "name_en", "code")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en", "province")
    search_fields = ("name_th", "name_en", "code")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en", "agency")
    list_filter = ("agency",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "unit", "province")
    list_filter = ("unit",)
    search_fields = ("name_th", "name_en", "code")


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    """The holidays that hand-off deadlines skip: keep next year's list here once the Cabinet announces it."""

    list_display = ("day", "name_th", "name_en")
    date_hierarchy = "day"


@admin.register(ServiceOffer)
class ServiceOfferAdmin(admin.ModelAdmin):
    list_display = ("office", "service", "respond_days", "complete_days", "active")
    list_filter = ("service", "active", "office__unit")
    search_fields = ("office__name_th", "office__name_en", "office__code")
    list_editable = ("respond_days", "complete_days", "active")
    autocomplete_fields = ("office",)
