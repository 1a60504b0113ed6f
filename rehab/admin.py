"""The admin is for administrators: users, offices and reference data. Case work happens in the
pages of the service, where access rules and the audit trail apply."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rehab.models import (
    Agency,
    AuditEvent,
    District,
    Office,
    Province,
    PublicHoliday,
    Region,
    ServiceOffer,
    TransactionEntry,
    Unit,
    User,
)


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "action", "object_type", "object_id", "ip_address", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("actor_username", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


@admin.register(TransactionEntry)
class TransactionEntryAdmin(admin.ModelAdmin):
    """Read-only: the record is append-only and chained (python manage.py verify_audit_chain)."""

    list_display = ("id", "handoff", "step", "actor_username", "at", "entry_hash")
    list_filter = ("step",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
