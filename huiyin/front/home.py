"""What a person has to do today: each app adds its items here as it is built."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from huiyin.org.access import Reach
from huiyin.org.roles import Perm


@dataclass(frozen=True)
class TodoItem:
    label: str | Promise
    url: str
    count: int
    urgent: bool = False


def todo_for(user, reach: Reach) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(provider(user, reach))
    return items


_providers: list = []


def register(provider) -> None:
    """Register `provider(user, reach) -> list[TodoItem]`; apps call this in `ready()`."""
    if provider not in _providers:
        _providers.append(provider)


# --------------------------------------------------------------------------- the leader's overview

#: Overdue matters listed on a leader's home page (the rest behind a link to the list).
OVERDUE_ROWS = 10


def leader_overview(user, reach: Reach, today) -> dict:
    """What a leader reads first: overdue matters, the 三零四无 board, their reception days.

    Every number and list comes from the statistics layer (huiyin.reports.stats), laid out by
    the dashboard's own helpers, so the home page and the dashboard never disagree.
    """
    from huiyin.petitions.home import reception_calendar_url, upcoming_receptions
    from huiyin.petitions.queries import list_url
    from huiyin.reports import stats
    from huiyin.reports.views.dashboard import Links, _case_rows, _goals

    overdue = list(stats.overdue_cases(user=user, today=today)[: OVERDUE_ROWS + 1])
    overview: dict = {
        "overdue": _case_rows(overdue[:OVERDUE_ROWS], today),
        "overdue_more": len(overdue) > OVERDUE_ROWS,
        "overdue_url": list_url(due="overdue"),
        "receptions": [
            {"slot": slot, "url": reception_calendar_url(user, slot.date)}
            for slot in upcoming_receptions(user, today)
        ],
        "goals": None,
    }
    if reach.can(Perm.REPORTS_VIEW):
        # The dashboard's default period (this month), the dashboard's board.
        period = stats.Period.this_month(today)
        overview["goals"] = _goals(stats.compute(period, user=user), Links(period))
        overview["dashboard_url"] = reverse("reports:dashboard")
    return overview
