"""The dashboard's card of overdue supervision orders (督办, 信访工作条例 art. 40): how many
orders are past their deadline without written feedback, and the most overdue few, each
linking to its order. Shown to holders of ``assessment.view`` (the street's leaders and the
office); the orders come from :func:`huiyin.assessment.services.supervision.overdue_orders`,
the bell's own definition, in two queries whatever their number.
"""

from __future__ import annotations

from django.urls import reverse

from huiyin.org.access import reach_of
from huiyin.org.roles import Perm

#: Orders listed on the card (the most overdue first).
ROWS = 5


def supervision_card(user) -> dict | None:
    """``{"count", "rows": [{"number", "body", "deadline", "late", "url"}], "url"}``; None
    for a reader without ``assessment.view``."""
    if not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return None
    from huiyin.assessment.services.common import today
    from huiyin.assessment.services.supervision import overdue_orders

    day = today()
    found = overdue_orders(user=user, day=day).select_related("community", "unit")
    rows = [
        {
            "number": order.number,
            "body": order.body_name,
            "deadline": order.deadline,
            "late": (day - order.deadline).days,
            "url": reverse("assessment:order", args=[order.pk]),
        }
        for order in found[:ROWS]
    ]
    return {
        "count": found.count() if len(rows) == ROWS else len(rows),
        "rows": rows,
        "url": reverse("assessment:orders") + "?show=overdue",
    }
