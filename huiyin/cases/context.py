"""Template context for the notification bell in the top bar: one query per page.

Beside the case notifications, other apps put what the person must act on into the bell
through :func:`register_bell`, called in their ``AppConfig.ready()`` (huiyin.patrols.bell: the
overdue rectifications), so this module never imports them. Each source gives a queryset of
the person's items, counted in the bell's one statement (a constant number of queries however
many sources), and the rows the notifications page lists, read only when that page shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.functional import Promise

from huiyin.cases import bounds
from huiyin.cases.models import Notification
from huiyin.cases.reminders import other_body_clocks


class _Count(Subquery):
    """COUNT(*) of a queryset, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"))


# --------------------------------------------------------------------------- other apps' items


@dataclass(frozen=True)
class BellRow:
    """One item the notifications page lists under its source's heading."""

    text: str
    detail: str
    url: str
    badge: str = ""


@dataclass(frozen=True)
class BellSource:
    """What an app puts into the bell.

    `rows(user, today)`: the person's items as of `today` (Beijing), a queryset counted in the
    bell's statement — no query of its own (build it from subqueries, not from Python lists
    read first). `listed(user, today, limit)`: at most `limit` :class:`BellRow` for the
    notifications page. `label` heads them there; `url` opens them all.
    """

    key: str
    label: str | Promise
    rows: Callable[[Any, date], QuerySet]
    listed: Callable[[Any, date, int], list[BellRow]]
    url: Callable[[], str]
    icon: str = "bi-exclamation-triangle-fill"


_sources: list[BellSource] = []

#: Rows of each source the notifications page lists (the rest behind the source's link).
LISTED = 20


def register_bell(source: BellSource) -> None:
    """Add `source` to the bell (once per key; a later one with the same key replaces it)."""
    for index, known in enumerate(_sources):
        if known.key == source.key:
            _sources[index] = source
            return
    _sources.append(source)


def bell_sources() -> list[BellSource]:
    return list(_sources)


class BellGroup:
    """One source's count for the person, and its rows when a page asks for them."""

    def __init__(self, source: BellSource, count: int, user, today: date):
        self.source = source
        self.key = source.key
        self.label = source.label
        self.icon = source.icon
        self.count = count
        self._user = user
        self._today = today

    @cached_property
    def url(self) -> str:
        return self.source.url()

    @cached_property
    def rows(self) -> list[BellRow]:
        # Read only by the notifications page (the bell itself shows the count).
        return self.source.listed(self._user, self._today, LISTED)

    @property
    def more(self) -> bool:
        return self.count > LISTED


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    today = bounds.today()
    sources = bell_sources()
    extra = {f"bell_{n}": _Count(source.rows(user, today)) for n, source in enumerate(sources)}
    # Every count in one statement: the unread reminders, the other apps' items, and — a badge
    # of its own, never among them — another body's time limits on matters the person follows
    # (information, huiyin.cases.reminders.other_body_clocks).
    unread, other_body, *counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            unread=_Count(Notification.objects.for_user(user).unread()),
            other_body=_Count(other_body_clocks(user)),
            **extra,
        )
        .values_list("unread", "other_body", *extra)
        .get()
    )
    # An empty queryset makes a count NULL: none.
    groups = [
        BellGroup(source, count, user, today)
        for source, count in zip(sources, counts, strict=True)
        if count
    ]
    context = {"unread_notifications": unread or 0, "other_body_due": other_body or 0}
    if groups:
        # Only when there is something: the bell's count is then the unread reminders and
        # these items together; the notifications page lists them under their headings.
        context["bell_groups"] = groups
        context["bell_count"] = context["unread_notifications"] + sum(g.count for g in groups)
    return context
