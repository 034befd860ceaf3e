"""The incident items of the home page's to-do list (registered in ``IncidentsConfig.ready()``).

For those who record incidents in their area (Perm.INCIDENTS_REPORT): open incidents not yet
reported upward (urgent), open incidents, open risk notes. One query for the incidents, one for
the notes; each item links to the list filtered to exactly what it counts.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.front.home import TodoItem
from huiyin.incidents.models import RiskNote, RiskStatus
from huiyin.incidents.views.filters import unreported_q
from huiyin.org.access import Reach
from huiyin.org.roles import Perm


def _list(**params) -> str:
    return f"{reverse('incidents:list')}?{urlencode(params)}"


def incident_todos(user, reach: Reach) -> list[TodoItem]:
    if not reach.can(Perm.INCIDENTS_REPORT):
        return []
    cases = Case.objects.visible_to(user, kind=Kind.INCIDENT).filter(
        withdrawn=False, closed_at__isnull=True
    )
    counts = cases.aggregate(open=Count("pk"), unreported=Count("pk", filter=unreported_q()))
    notes = RiskNote.objects.visible_to(user).filter(status=RiskStatus.OPEN).count()
    items = [
        TodoItem(
            _("Open incidents not yet reported upward"),
            _list(open=1, unreported=1),
            counts["unreported"],
            urgent=True,
        ),
        TodoItem(_("Open incidents"), _list(open=1), counts["open"]),
        TodoItem(
            _("Open risk notes"),
            f"{reverse('incidents:risk_list')}?status={RiskStatus.OPEN}",
            notes,
        ),
    ]
    return [item for item in items if item.count]
