"""The dashboard's dispute pieces: the cards (排查, 调处, 化解, 化解率, weekly screening) and the
per-community bars, for those who may view disputes (Perm.DISPUTES_VIEW).

The cards read the sections ``disputes`` and ``screening`` of the dashboard's own
``stats.compute`` result, the bars :func:`huiyin.reports.stats.disputes.per_community` (the
same definitions), so the dashboard, ``huiyin stats`` and the Word report agree. Only the
registered disputes link to the dispute list: the list filters by the date received, and
the other figures are dated by their own event.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from huiyin.disputes.views.filters import list_url
from huiyin.reports import stats
from huiyin.reports.sections.disputes import may_see_disputes
from huiyin.reports.stats import disputes as dispute_stats
from huiyin.screening import periods as screening_periods

__all__ = ["dispute_cards", "dispute_chart", "may_see_disputes"]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _rate_help(d: dict) -> str:
    return " ".join(
        (
            _(
                "Resolution rate = disputes whose mediation ended with an agreement ÷ disputes"
                " whose mediation ended in the period, with or without agreement (refusals"
                " included, transfers not)."
            ),
            _("Here: %(resolved)s ÷ %(ended)s.")
            % {"resolved": d["resolved"], "ended": d["resolved"] + d["failed"]},
        )
    )


def _share_help() -> str:
    return _(
        "Resolved at the grid or community tier ÷ resolved (small matters stay in the community)."
    )


def _board_url(period: stats.Period) -> str:
    """The weekly screening board at the last week counted in the period."""
    span = screening_periods.ending_in(period.start, period.end)
    url = reverse("screening:board")
    return f"{url}?week={span[1].label}" if span else url


def dispute_cards(s: dict, period: stats.Period) -> dict:
    """The cards' numbers with their links and hover texts, from the composed statistics."""
    d, screening = s["disputes"], s["screening"]
    return {
        "registered": {
            "count": d["registered"],
            "url": list_url(from_=period.start, to=period.end),
        },
        "mediated": d["mediated"],
        "resolved": d["resolved"],
        "failed": d["failed"],
        "agreements": d["agreements"],
        "performed": d["performed"],
        "judicial": d["judicial"],
        "rate": _percent(d["resolution_rate"]),
        "rate_help": _rate_help(d),
        "community_share": _percent(d["community_share"]),
        "share_help": _share_help(),
        "screening": {**screening, "url": _board_url(period)},
    }


def dispute_chart(period: stats.Period, user) -> dict:
    """The per-community bars' data (embedded in the page): registered, mediation started and
    resolved per community; a bar opens the dispute list of that community's registered."""
    return {
        "labels": {
            "registered": _("Disputes registered"),
            "mediated": _("Mediation started"),
            "resolved": _("Resolved"),
        },
        "communities": [
            {
                "id": row["id"],
                "name": row["name"],
                "registered": row["registered"],
                "mediated": row["mediated"],
                "resolved": row["resolved"],
                "url": list_url(from_=period.start, to=period.end, community=row["id"]),
            }
            for row in dispute_stats.per_community(period, user=user)
        ],
    }
