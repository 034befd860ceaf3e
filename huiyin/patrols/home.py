"""The home page's to-do items: overdue rectifications, and daily reports of a sensitive period.

Registered with :func:`huiyin.front.home.register` in ``PatrolsConfig.ready()``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from huiyin.front.home import TodoItem
from huiyin.org.access import Reach
from huiyin.patrols import access
from huiyin.patrols.models import DailyReport
from huiyin.patrols.services import inspections, sensitive


def patrol_todos(user, reach: Reach) -> list[TodoItem]:
    items: list[TodoItem] = []
    if any(reach.can(p) for p in access.RECTIFY_PERMS):
        count = inspections.overdue_count(user)
        if count:
            items.append(
                TodoItem(
                    _("Overdue rectifications"),
                    reverse("patrols:rectifications") + "?status=overdue",
                    count,
                    urgent=True,
                )
            )
    if reach.can(sensitive.FILE_PERM):
        for period in sensitive.active():
            day = sensitive.due_day(period)
            if day is None:
                continue
            mine = [
                c
                for c in sensitive.communities_in_view(None, period)
                if access.covers(user, sensitive.FILE_PERM, c.pk)
            ]
            filed = set(
                DailyReport.objects.filter(period=period, day=day).values_list(
                    "community_id", flat=True
                )
            )
            waiting = [c for c in mine if c.pk not in filed]
            if waiting:
                items.append(
                    TodoItem(
                        _("Daily reports to file: %(period)s, %(day)s")
                        % {"period": period.name, "day": day.isoformat()},
                        reverse("patrols:sensitive_file", args=[period.pk]),
                        len(waiting),
                    )
                )
    return items
