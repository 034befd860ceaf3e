"""Admin pages: screening duties (who must report) and a read-only view of the reports.

Reports change only through the filing page (checks, versions, audit); an administrator gives
a unit its duty, or ends a grid's duty when it is merged, here.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huiyin.screening.models import (
    ScreeningDuty,
    ScreeningItem,
    ScreeningReport,
    ScreeningReportVersion,
)

MSG_ONE_BODY = _("Choose exactly one: a community, a grid, or a unit.")


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DutyForm(forms.ModelForm):
    class Meta:
        model = ScreeningDuty
        fields = ["community", "grid", "unit", "active_from", "active_to", "note"]

    def clean(self):
        data = super().clean()
        grid, community, unit = data.get("grid"), data.get("community"), data.get("unit")
        shapes = (grid is not None) + (unit is not None) + (grid is None and community is not None)
        if shapes != 1 or (unit is not None and community is not None):
            raise forms.ValidationError(MSG_ONE_BODY)
        if grid is not None:
            data["community"] = grid.community
        return data

    def save(self, commit=True):
        duty = super().save(commit=False)
        if duty.grid_id:
            duty.community = duty.grid.community
        duty.street_id = (duty.community or duty.unit).street_id
        if commit:
            duty.save()
        return duty


@admin.register(ScreeningDuty)
class ScreeningDutyAdmin(admin.ModelAdmin):
    form = DutyForm
    list_display = ["__str__", "active_from", "active_to", "note"]
    list_filter = ["active_to"]
    list_select_related = ["community", "grid__community", "unit"]
    search_fields = ["community__name", "grid__name", "unit__name"]

    def has_delete_permission(self, request, obj=None):
        # A duty with reports is history: end it (reports until) instead.
        return False


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = ScreeningReportVersion
    fields = ["version", "action", "at", "actor", "is_nil", "item_count", "items_added"]
    readonly_fields = fields
    extra = 0


class ItemInline(ReadOnlyMixin, admin.TabularInline):
    model = ScreeningItem
    fields = ["case", "how", "people_count", "added_in_version", "added_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ScreeningReport)
class ScreeningReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "period_start", "is_nil", "filed_at", "deadline", "version"]
    list_filter = ["is_nil", "period_kind"]
    list_select_related = ["community", "grid__community", "unit"]
    date_hierarchy = "period_start"
    inlines = [VersionInline, ItemInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
