from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from huiyin.org.models import (
    Community,
    Grid,
    ResidentsGroup,
    RoleGrant,
    Staff,
    Street,
    StreetDay,
    Unit,
)

admin.site.site_header = _("Huiyin administration")
admin.site.site_title = _("Huiyin")
admin.site.index_title = _("Organisation and staff")


class CommunityInline(admin.TabularInline):
    model = Community
    extra = 0


class StreetDayInline(admin.TabularInline):
    """The street's own days off and working days, over the national holiday table."""

    model = StreetDay
    extra = 0


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "office_name"]
    inlines = [CommunityInline, StreetDayInline]


class GridInline(admin.TabularInline):
    model = Grid
    extra = 0
    fields = ["name", "order"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "order"]
    inlines = [GridInline]


class ResidentsGroupInline(admin.TabularInline):
    model = ResidentsGroup
    extra = 0


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "order"]
    list_filter = ["community"]
    inlines = [ResidentsGroupInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1
    fields = ["role", "street", "community", "grid", "unit"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "unit", "title"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user", "unit"]
    inlines = [RoleGrantInline]


class StaffInline(admin.StackedInline):
    model = Staff
    can_delete = False
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class HuiyinUserAdmin(UserAdmin):
    inlines = [StaffInline]
