"""Template context for the notification bell in the top bar: one query per page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, QuerySet, Subquery
from django.http import HttpRequest

from huiyin.cases.models import Notification
from huiyin.cases.reminders import other_body_clocks


class _Count(Subquery):
    """COUNT(*) of a queryset, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"))


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Both counts in one statement: the unread reminders, and — a badge of its own, never
    # among them — another body's time limits on matters the person follows (information,
    # huiyin.cases.reminders.other_body_clocks).
    unread, other_body = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=_Count(Notification.objects.for_user(user).unread()),
            other_body=_Count(other_body_clocks(user)),
        )
        .values_list("unread", "other_body")
        .get()
    )
    # An empty list of clocks makes the count NULL: none.
    return {"unread_notifications": unread or 0, "other_body_due": other_body or 0}
