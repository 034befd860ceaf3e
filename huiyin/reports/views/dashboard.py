"""The dashboard (/reports/): goals board, headline figures, trend, communities, grid map, lists.

Every number comes from huiyin.reports.stats and links to the petition list filtered to the
petitions that make it up (the list's GET parameters, huiyin.petitions.queries). The charts'
data is embedded in the page (json_script): no further request, nothing online. The disputes'
and the weekly screening's cards and per-community bars (stats sections ``disputes`` and
``screening``) are shown to those who may view disputes; the incidents' cards to those who may
view incidents, the patrols' and rectifications' to those who may view patrols
(``dashboard_incidents.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.front.decorators import require_perm
from huiyin.ops.routers import reading_from_replica
from huiyin.org.roles import Perm
from huiyin.petitions.queries import list_url
from huiyin.reports import stats
from huiyin.reports.forms import PeriodForm
from huiyin.reports.models import may_manage
from huiyin.reports.views.dashboard_disputes import dispute_cards, dispute_chart, may_see_disputes
from huiyin.reports.views.dashboard_incidents import incident_cards
from huiyin.reports.views.dashboard_supervision import supervision_card

#: Rows shown in each of the due-soon and overdue lists.
LIST_ROWS = 15


def case_url(case_id: int, number: str) -> str:
    """The petition's page (the list searched for its number until that page exists)."""
    try:
        return reverse("petitions:detail", args=[case_id])
    except NoReverseMatch:
        return list_url(q=number)


class Links:
    """Drill-down links into the petition list, all limited to the period's dates."""

    def __init__(self, period: stats.Period):
        self.period = period

    def __call__(self, **filters) -> str:
        return list_url(from_=self.period.start, to=self.period.end, **filters)

    def week(self, monday: date) -> str:
        start = max(monday, self.period.start)
        end = min(monday + timedelta(days=6), self.period.end)
        return list_url(from_=start, to=end)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _on_time_help(on_time: dict) -> str:
    """What the on-time rate counts, for its hover text (stats: the definition)."""
    owed = on_time["met"] + on_time["late"] + on_time["overdue"]
    return " ".join(
        (
            _(
                "On-time rate = matters answered on time ÷ matters owed an answer"
                " (including those past their due date and not yet answered)."
            ),
            _(
                "Here: %(met)s ÷ %(owed)s (%(late)s answered late,"
                " %(overdue)s past due and unanswered)."
            )
            % {**on_time, "owed": owed},
        )
    )


def _satisfaction_help(p: dict) -> str:
    """What the satisfaction rate counts, for its hover text."""
    satisfied = sum(p["satisfaction"][key] for key in stats.SATISFIED)
    return " ".join(
        (
            _(
                "Satisfaction = matters rated satisfied or basically satisfied ÷ matters rated"
                " (each by its latest rating)."
            ),
            _("Here: %(satisfied)s ÷ %(rated)s.") % {"satisfied": satisfied, "rated": p["rated"]},
        )
    )


def _figures(s: dict, link: Links) -> dict:
    """The headline figures with their links, ready for the template."""
    p = s["petitions"]
    levels = [
        ("national", _("To Beijing")),
        ("province", _("To the province")),
        ("city", _("To the city")),
        ("district", _("To the district")),
        ("street", _("To the street")),
    ]
    channels = [
        ("letter", _("Letters")),
        ("visit", _("Visits")),
        ("phone", _("Calls")),
        ("online", _("Online")),
        ("assigned", _("Assigned from above")),
    ]
    statuses = [
        ("registered", _("Awaiting decision"), {"status": ["registered"]}),
        ("accepted", _("Accepted, in hand"), {"status": list(stats.ACCEPTED_STATES)}),
        ("declined", _("Declined"), {"status": ["declined"]}),
        ("transferred", _("Transferred"), {"status": ["transferred"]}),
        ("concluded", _("Concluded"), {"concluded": 1}),
        # Assigned from above and taken back by the sender (条例 art. 23): ended, never 办结.
        ("returned", _("Returned to the sender"), {"returned": 1}),
    ]
    satisfaction = [
        ("satisfied", _("Satisfied")),
        ("basically_satisfied", _("Basically satisfied")),
        ("dissatisfied", _("Dissatisfied")),
    ]
    return {
        "total": {**p, "url": link()},
        "over_level": {
            **p["over_level"],
            "url": link(over_level=1),
            "help": _(
                "Over-level: lodged above the level that should handle the matter and the next"
                " level up (for a street matter: the city, the province or Beijing)."
            ),
        },
        "upward": {
            **p["upward"],
            "url": link(upward=1),
            "help": _(
                "Lodged at a higher level: at any level above the one that should handle the"
                " matter (for a street matter: the district and up)."
            ),
        },
        "visits": [
            {
                "key": level,
                "label": label,
                **p["visits_by_level"][level],
                "url": link(channel="visit", level=level),
            }
            for level, label in levels
        ],
        "levels": [
            {"key": level, "label": label, **p["by_level"][level], "url": link(level=level)}
            for level, label in levels
        ],
        "channels": [
            {"key": c, "label": label, **p["by_channel"][c], "url": link(channel=c)}
            for c, label in channels
        ],
        "collective": {**p["collective"], "url": link(collective=1)},
        "first": {"count": p["first"], "url": link(first=1)},
        "repeat": {"count": p["repeat"], "url": link(repeat=1)},
        "statuses": [
            {"key": key, "label": label, "count": p[key], "url": link(**filters)}
            for key, label, filters in statuses
        ],
        "overdue_open": {"count": p["overdue_open"], "url": link(due="overdue")},
        "on_time": {
            "rate": _percent(p["on_time_rate"]),
            **p["on_time"],
            "url": link(answered=["on_time", "late"]),
            "met_url": link(answered="on_time"),
            "late_url": link(answered="late"),
            "overdue_url": link(due="overdue"),
            "help": _on_time_help(p["on_time"]),
        },
        "satisfaction": {
            "rate": _percent(p["satisfaction_rate"]),
            "help": _satisfaction_help(p),
            "rated": p["rated"],
            "items": [
                {"label": label, "count": p["satisfaction"][key], "url": link(satisfaction=key)}
                for key, label in satisfaction
            ],
        },
        "receptions": {
            "headcount": s["receptions"]["headcount"],
            "batches": s["receptions"]["batches"],
            "leaders": [
                {**row, "url": link(reception_leader=row["id"])}
                for row in s["receptions"]["by_leader"]
            ],
        },
    }


#: What the board says of the street's own handling of a petition touching a goal.
HANDLING_LABELS = {
    "met": _("handled on time"),
    "late": _("answered late"),
    "overdue": _("overdue"),
    "open": _("in hand"),
    "returned": _("returned to the sender"),
}


def _goals_help(channels: list[str]) -> str:
    """What the 三零 goals count, for the board's hover text."""
    from huiyin.petitions.models import Channel

    names = "、".join(str(Channel(c).label) for c in channels)
    return _(
        "A zero goal is held when no petition by %(channels)s was lodged at that level in the"
        " period: the same figures as the report's visits to Beijing, the province and the city."
    ) % {"channels": names}


def _goals(s: dict, link: Links, *, show_petitions: bool = True) -> list[dict]:
    """The board: each goal reads goals.counts (one figure, the report's too); the petitions
    touching it only for those who may see petitions."""
    goals = s["goals"]
    channels = goals["channels"]
    board = []
    for key, level, label in (
        ("zero_national", "national", _("Zero to Beijing")),
        ("zero_province", "province", _("Zero to the province")),
        ("zero_city", "city", _("Zero to the city")),
    ):
        breaches = (
            [
                {
                    **item,
                    "url": case_url(item["id"], item["number"]),
                    "handling_label": HANDLING_LABELS.get(item["handling"], ""),
                }
                for item in goals["breaches"][key]
            ]
            if show_petitions
            else []
        )
        board.append(
            {
                "key": key,
                "label": label,
                "held": goals[key],
                "count": goals["counts"][key]["batches"],
                "headcount": goals["counts"][key]["headcount"],
                "breaches": breaches,
                "help": _goals_help(channels),
                "url": link(level=level, channel=channels) if show_petitions else "",
            }
        )
    for key, label in (
        ("no_major_political_incident", _("No major political incident")),
        ("no_illegal_gathering", _("No illegal gathering")),
        ("no_large_mass_incident", _("No large mass incident")),
        ("no_violent_terror_incident", _("No violent or terrorist incident")),
    ):
        # The 四无 read the incidents the reader may see (huiyin.incidents.goals).
        items = goals["breaches"].get(key, [])
        board.append(
            {
                "key": key,
                "label": label,
                "held": goals[key],
                "incident_goal": True,
                "incidents": len(items),
                "breaches": [
                    {**item, "url": reverse("incidents:detail", args=[item["id"]])}
                    for item in items
                ],
                "help": _(
                    "A none goal is held when no incident of its types happened in the period"
                    " (the types and what counts as large are the district's definition)."
                ),
                "url": "",
            }
        )
    return board


def _may_see_petitions(user) -> bool:
    """Perm.PETITIONS_VIEW: the list of petitions touching a goal is left out otherwise."""
    from huiyin.org.access import reach_of

    reach = reach_of(user)
    return reach.is_superuser or reach.can(Perm.PETITIONS_VIEW)


def _grid_label(row: dict) -> str:
    """ "柑子园社区 第1网格": the grid with its community (grid names repeat across them)."""
    return _("%(community)s %(grid)s") % {"community": row["community"], "grid": row["name"]}


def _grid_map(rows: list[dict], link: Links) -> dict:
    """A GeoJSON FeatureCollection of the grids with a boundary, and the value of each."""
    features, values = [], []
    for row in rows:
        if not row["geometry"]:
            continue
        # Every community numbers its grids from 1: a grid is named with its community.
        name = f"{row['community']}·{row['name']}"
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "id": row["id"]},
                "geometry": row["geometry"],
            }
        )
        values.append(
            {
                "name": name,
                "label": _grid_label(row),
                "community": row["community"],
                "grid": row["name"],
                "value": row["batches"],
                "headcount": row["headcount"],
                "url": link(grid=row["id"]),
            }
        )
    return {"geojson": {"type": "FeatureCollection", "features": features}, "values": values}


def _case_rows(cases, today: date) -> list[dict]:
    rows = []
    for case in cases:
        rows.append(
            {
                "number": case.number,
                "title": case.title,
                "community": case.community.name if case.community_id else "",
                "unit": case.owner_unit.name if case.owner_unit_id else "",
                "status": case.status_label,
                "due_on": case.due_on,
                "days": (case.due_on - today).days,
                "late": max(0, (today - case.due_on).days),
                "url": case_url(case.pk, case.number),
            }
        )
    return rows


@require_perm(Perm.REPORTS_VIEW)
@reading_from_replica()  # the read replica, when configured and within its lag
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today, user=request.user)
    period, kind, campaign = form.resolve()
    link = Links(period)
    user = request.user

    # compute(), per_community() and per_grid() from one grouped aggregate.
    s, communities, grids = stats.dashboard(period, user=user)
    trend = stats.weekly_trend(period, user=user, today=today)
    overdue = list(stats.overdue_cases(user=user, today=today)[: LIST_ROWS + 1])
    due_soon = list(stats.due_soon_cases(user=user, today=today)[: LIST_ROWS + 1])
    show_disputes = may_see_disputes(user)

    data = {
        "labels": {
            "batches": _("Batches"),
            "headcount": _("Person-times"),
            "petitions": _("Petitions"),
            "no_map": _("No grid has a boundary on record."),
        },
        # The last day with numbers: the weeks after it are gaps (None), not zeros.
        "today": today.isoformat(),
        "trend": [
            {
                "week": row["week_start"].isoformat(),
                "label": row["week_start"].strftime("%m-%d"),
                "batches": row["batches"],
                "headcount": row["headcount"],
                "url": link.week(row["week_start"]),
            }
            for row in trend
        ],
        "communities": [
            {
                "id": row["id"],
                "name": row["name"],
                "batches": row["batches"],
                "headcount": row["headcount"],
                "over_level_batches": row["over_level_batches"],
                "url": link(community=row["id"]),
                "over_level_url": link(community=row["id"], over_level=1),
            }
            for row in communities
        ],
        "map": _grid_map(grids, link),
    }
    if show_disputes:
        data["disputes"] = dispute_chart(period, user)
    return render(
        request,
        "reports/dashboard.html",
        {
            "nav_active": "reports",
            "form": form,
            "period": period,
            "period_kind": kind,
            "campaign": campaign,
            "stats": s,
            "figures": _figures(s, link),
            "goals": _goals(s, link, show_petitions=_may_see_petitions(user)),
            "communities": [{**row, "url": link(community=row["id"])} for row in communities],
            "overdue": _case_rows(overdue[:LIST_ROWS], today),
            "overdue_more": len(overdue) > LIST_ROWS,
            "overdue_url": list_url(due="overdue"),
            "due_soon": _case_rows(due_soon[:LIST_ROWS], today),
            "due_soon_more": len(due_soon) > LIST_ROWS,
            "due_soon_url": list_url(due="soon"),
            "reference_day": period.reference_day(today),
            "data": data,
            "may_manage_campaigns": may_manage(user),
            "disputes": dispute_cards(s, period) if show_disputes else None,
            "incident_cards": incident_cards(s, user),
            "supervision": supervision_card(user),
        },
    )


urlpatterns = [path("", dashboard, name="dashboard")]
