"""Admin pages: campaigns and pledges, read-only (they change through the campaign pages,
which keep the version, check the scan and write the audit trail)."""

from django.contrib import admin

from huiyin.reports.models import Campaign, Pledge


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PledgeInline(ReadOnlyMixin, admin.TabularInline):
    model = Pledge
    fields = ["community", "unit", "signed_on", "signed_by", "original_name", "withdrawn"]
    readonly_fields = fields
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "start", "end", "created_at"]
    search_fields = ["name", "theme"]
    readonly_fields = ["name", "theme", "start", "end", "goals", "communities", "units", "version"]
    inlines = [PledgeInline]


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["campaign", "community", "unit", "signed_on", "signed_by", "withdrawn"]
    list_filter = ["campaign", "withdrawn"]
    # The file path is not shown: scans are read through the permission-checked download.
    exclude = ["file"]
