"""The home page's to-do items about screening reports, for those who file them.

Registered with :func:`huiyin.front.home.register` in ``ScreeningConfig.ready()``. A person
filing for one body (a grid worker) is sent straight to the filing page; one covering several
(a community worker and their grids, the 综治办) to the board of the period.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from huiyin.front.home import TodoItem
from huiyin.org.access import Reach
from huiyin.org.roles import Perm
from huiyin.screening import periods
from huiyin.screening.board import page_url
from huiyin.screening.bodies import Body, bodies_in
from huiyin.screening.models import ScreeningReport


def _unfiled(user, period: periods.Period) -> list[Body]:
    bodies = bodies_in(user, Perm.DISPUTES_SCREEN, period.start, period.end)
    if not bodies:
        return []
    filed = set()
    for grid_id, unit_id, community_id in ScreeningReport.objects.filter(
        period_start=period.start, period_end=period.end
    ).values_list("grid_id", "unit_id", "community_id"):
        if grid_id:
            filed.add(("grid", grid_id))
        elif unit_id:
            filed.add(("unit", unit_id))
        else:
            filed.add(("community", community_id))
    return [b for b in bodies if b.key not in filed]


def _url(bodies: list[Body], period: periods.Period) -> str:
    if len(bodies) == 1:
        return page_url("screening:file", bodies[0], period)
    return page_url("screening:board", None, period)


def screening_todos(user, reach: Reach) -> list[TodoItem]:
    if not reach.can(Perm.DISPUTES_SCREEN):
        return []
    moment = periods.now()
    items: list[TodoItem] = []
    missed = periods.last_missed(moment)
    late = _unfiled(user, missed)
    if late:
        items.append(
            TodoItem(
                _("Screening reports missed for %(period)s") % {"period": missed.label},
                _url(late, missed),
                len(late),
                urgent=True,
            )
        )
    due = periods.due(moment)
    if due != missed:
        waiting = _unfiled(user, due)
        if waiting:
            items.append(
                TodoItem(
                    _("Screening reports to file for %(period)s") % {"period": due.label},
                    _url(waiting, due),
                    len(waiting),
                )
            )
    return items
