"""Admin pages: reference data (reception slots) and a read-only view of petitions.

Petitions change only through the workflow; the admin shows them with identities masked.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huiyin.petitions.models import KeyCase, KeyCaseProgress, Petition, Petitioner, ReceptionSlot


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PetitionerInline(ReadOnlyMixin, admin.TabularInline):
    model = Petitioner
    # Masked copies only: the admin never decrypts an identity.
    fields = ["name_masked", "id_number_masked", "phone_masked", "is_representative"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .only(
                "id",
                "petition",
                "name_masked",
                "id_number_masked",
                "phone_masked",
                "is_representative",
                "order",
            )
        )


@admin.register(Petition)
class PetitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "title", "status", "channel", "level", "headcount", "received_on"]
    list_filter = ["channel", "level", "is_collective"]
    search_fields = ["case__number", "case__title", "receipt_code"]
    list_select_related = ["case"]
    inlines = [PetitionerInline]

    @admin.display(description=_("number"), ordering="case__number")
    def number(self, obj):
        return obj.case.number

    @admin.display(description=_("title"))
    def title(self, obj):
        return obj.case.title

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.case.status_label

    @admin.display(description=_("received at"), ordering="case__received_at")
    def received_on(self, obj):
        return obj.case.received_on

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(ReceptionSlot)
class ReceptionSlotAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "end_time", "kind", "leader", "place", "community"]
    list_filter = ["kind", "leader"]
    date_hierarchy = "date"
    list_select_related = ["leader", "community"]


class KeyCaseProgressInline(ReadOnlyMixin, admin.TabularInline):
    model = KeyCaseProgress
    fields = ["at", "by", "text"]
    readonly_fields = fields
    extra = 0


@admin.register(KeyCase)
class KeyCaseAdmin(admin.ModelAdmin):
    list_display = ["case", "leader", "responsible_unit", "time_limit", "closed_at"]
    list_filter = ["leader", "responsible_unit"]
    list_select_related = ["case", "leader", "responsible_unit"]
    readonly_fields = ["case", "created_by", "created_at"]
    filter_horizontal = ["team"]
    inlines = [KeyCaseProgressInline]

    def has_add_permission(self, request):
        # Marked through the service (checks and audit), not here.
        return False
