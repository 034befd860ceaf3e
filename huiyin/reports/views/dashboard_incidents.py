"""The dashboard's incident and patrol pieces: the cards of the incidents (突发事件, 首报及时率,
首报超时) for those who may view incidents (Perm.INCIDENTS_VIEW), and of the rectifications
(未整改, 逾期, 整改率) and patrols (巡查次数, 时长) for those who may view patrols
(Perm.PATROLS_VIEW).

The cards read the sections ``incidents``, ``risk_notes``, ``patrols``, ``inspections`` and
``rectifications`` of the dashboard's own ``stats.compute`` result, so the dashboard,
``huiyin stats`` and the Word report agree. The figures are not links: the incident list
filters by the moment learned of and the rectification list shows what is overdue today,
while these figures are dated by the moment an incident happened and a rectification was
opened; each card links to its list instead.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from huiyin.reports.sections.incidents import may_see_incidents, may_see_patrols

__all__ = ["incident_cards", "may_see_incidents", "may_see_patrols"]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _reporting_help(i: dict) -> str:
    reports = i["first_reports"]
    return " ".join(
        (
            _(
                "First reports on time = incidents whose first report upward was sent within its"
                " limit from the moment the street learned of it ÷ incidents whose report was"
                " sent or whose limit has passed (those never reported count as late)."
            ),
            _("Here: %(on_time)s ÷ %(judged)s.")
            % {"on_time": reports["on_time"], "judged": reports["on_time"] + reports["late"]},
        )
    )


def _rectification_help(r: dict) -> str:
    return " ".join(
        (
            _(
                "Rectification rate = rectifications opened in the period and rectified by its"
                " last day (or today) ÷ rectifications opened in the period."
            ),
            _("Here: %(done)s ÷ %(opened)s.") % {"done": r["done"], "opened": r["opened"]},
        )
    )


def incident_cards(s: dict, user) -> dict | None:
    """The cards' numbers with their hover texts and list links, from the composed statistics;
    None when the reader may view neither incidents nor patrols."""
    incidents, patrols = may_see_incidents(user), may_see_patrols(user)
    if not (incidents or patrols):
        return None
    out: dict = {"incidents": None, "patrols": None, "rectifications": None}
    if incidents:
        i = s["incidents"]
        out["incidents"] = {
            "total": i["total"],
            "unnatural_death": i["by_type"].get("unnatural_death", 0),
            "fire": i["by_type"].get("fire", 0),
            "on_time": i["first_reports"]["on_time"],
            "late": i["first_reports"]["late"],
            "rate": _percent(i["reporting_on_time_rate"]),
            "rate_help": _reporting_help(i),
            "risk_notes": s["risk_notes"],
            "url": reverse("incidents:list"),
        }
    if patrols:
        r = s["rectifications"]
        out["rectifications"] = {
            **r,
            "rate": _percent(r["done_rate"]),
            "rate_help": _rectification_help(r),
            "url": reverse("patrols:rectifications"),
        }
        out["patrols"] = {
            **s["patrols"],
            "hours": f"{s['patrols']['hours']:g}",
            "inspections": s["inspections"],
            "url": reverse("patrols:list"),
        }
    return out
