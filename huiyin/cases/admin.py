from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from huiyin.cases.models import CalendarDay, CalendarYear, Category


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Each autumn an administrator enters next year's notice here, then marks the year."""

    list_display = ["date", "weekday", "kind", "note"]
    list_filter = [YearFilter, "kind"]
    ordering = ["-date"]  # this year's and next year's days first, not 2004's
    search_fields = ["note"]
    date_hierarchy = "date"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]


def _days_in_year(kind: str):
    counted = (
        CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "holidays", "workdays"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holidays=_days_in_year(CalendarDay.DayKind.HOLIDAY),
                n_workdays=_days_in_year(CalendarDay.DayKind.WORKDAY),
            )
        )

    @admin.display(description=_("holidays"), ordering="n_holidays")
    def holidays(self, obj):
        return obj.n_holidays

    @admin.display(description=_("make-up working days"), ordering="n_workdays")
    def workdays(self, obj):
        return obj.n_workdays


class ChildInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    fields = ["name", "kind", "active", "order"]
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "active", "order"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    inlines = [ChildInline]
