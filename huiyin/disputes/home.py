"""What a mediator has to do today: the dispute items of the home page's to-do list.

Registered with :func:`huiyin.front.home.register` in ``DisputesConfig.ready()``. For those who
mediate (Perm.DISPUTES_MEDIATE): a mediator with a post in a committee counts the disputes
assigned to them; anyone else who mediates (a community worker, the 综治办) the disputes in
their scope. One aggregate query; every item links to the dispute list filtered to exactly what
it counts. The parties' judicial-confirmation window is theirs: it is named "closing" for the
mediator to remind them, never counted as overdue.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, staff_of
from huiyin.disputes.models import Mediator, Status
from huiyin.disputes.views.filters import (
    awaiting_performance_q,
    list_url,
    mine_q,
    session_week_q,
    window_closing_q,
)
from huiyin.front.home import TodoItem
from huiyin.org.access import Reach
from huiyin.org.roles import Perm


def has_post(user) -> bool:
    """Whether the person is a mediator of some committee (their own account linked)."""
    staff_id = staff_of(user)[0]
    return staff_id is not None and Mediator.objects.filter(staff_id=staff_id).exists()


def dispute_todos(user, reach: Reach) -> list[TodoItem]:
    if not reach.can(Perm.DISPUTES_MEDIATE):
        return []
    today = bounds.today()
    cases = Case.objects.visible_to(user, perm=Perm.DISPUTES_MEDIATE, kind=Kind.DISPUTE).filter(
        withdrawn=False
    )
    mine = has_post(user)
    if mine:
        cases = cases.filter(mine_q(user))
    counts = cases.aggregate(
        overdue=Count("pk", filter=Q(closed_at__isnull=True, due_on__lt=today)),
        waiting=Count("pk", filter=Q(status=Status.REGISTERED)),
        sessions=Count("pk", filter=session_week_q(today)),
        performance=Count("pk", filter=awaiting_performance_q()),
        windows=Count("pk", filter=window_closing_q(today)),
    )
    flag = True if mine else None
    items = [
        TodoItem(
            _("Disputes past a time limit"),
            list_url(mine=flag, due="overdue"),
            counts["overdue"],
            urgent=True,
        ),
        TodoItem(
            _("Disputes registered, mediation not started"),
            list_url(mine=flag, status=Status.REGISTERED),
            counts["waiting"],
        ),
        TodoItem(
            _("Disputes with a mediation session this week"),
            list_url(mine=flag, session="week"),
            counts["sessions"],
        ),
        TodoItem(
            _("Agreements awaiting performance"),
            list_url(mine=flag, awaiting="performance"),
            counts["performance"],
        ),
        TodoItem(
            _("Parties' judicial-confirmation windows closing within 7 days"),
            list_url(mine=flag, awaiting="window"),
            counts["windows"],
        ),
    ]
    return [item for item in items if item.count]
