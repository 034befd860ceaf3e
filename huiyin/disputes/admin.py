"""Admin pages: the mediation committees and their mediators (with training), edited by
administrators; disputes shown read-only with the parties masked.

Disputes change only through the workflow and the services; the admin never decrypts an
identity and has no fee field to show (mediation is free, 人民调解法 art. 4).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from huiyin.disputes.models import Committee, Dispute, Mediator, MediatorTraining, Party


class MediatorInline(admin.TabularInline):
    model = Mediator
    fields = ["name", "staff", "term_start", "term_end", "active"]
    autocomplete_fields = ["staff"]
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "community", "grid", "unit", "active", "mediator_count"]
    list_filter = ["tier", "active", "community"]
    search_fields = ["name"]
    list_select_related = ["community", "grid", "unit"]
    fields = ["street", "name", "tier", "community", "grid", "unit", "active", "order"]
    inlines = [MediatorInline]

    @admin.display(description=_("mediators"))
    def mediator_count(self, obj):
        return obj.mediators.filter(active=True).count()


class TrainingInline(admin.TabularInline):
    model = MediatorTraining
    fields = ["on", "title", "hours"]
    extra = 0


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["name", "committee", "term_start", "term_end", "active", "staff"]
    list_filter = ["active", "committee__tier", "committee"]
    search_fields = ["name", "committee__name"]
    list_select_related = ["committee", "staff"]
    autocomplete_fields = ["staff"]
    inlines = [TrainingInline]


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyInline(ReadOnlyMixin, admin.TabularInline):
    model = Party
    # Masked copies only: the admin never decrypts an identity.
    fields = ["side", "kind", "name_masked", "id_number_masked", "phone_masked"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .only(
                "id",
                "dispute",
                "side",
                "kind",
                "name_masked",
                "id_number_masked",
                "phone_masked",
                "order",
            )
        )


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "title", "status", "source", "tier", "committee", "received_on"]
    list_filter = ["source", "tier"]
    search_fields = ["case__number", "case__title"]
    list_select_related = ["case", "committee"]
    fields = [
        "source",
        "court_name",
        "court_document",
        "tier",
        "committee",
        "amount",
        "people_count",
        "started_on",
        "ended_on",
        "outcome",
        "closed_on",
    ]
    inlines = [PartyInline]

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
