"""What the URL x role crawl (huiyin.testing.crawl) needs of the reports app's own pages.

The campaign and pledge pages are filled in huiyin/testing/crawl.py; the commendations' pages
here. The demo (:mod:`huiyin.reports.demo`) gives the demo campaign its commendations and one
通报批评, so both notices are written. Campaigns are the whole street's: tried once, as "in".
"""

from __future__ import annotations


def _campaign(w, p, scope: str) -> list[dict]:
    from huiyin.reports.models import Campaign

    if scope != "in":
        return []
    found = Campaign.objects.order_by("pk").values_list("pk", flat=True).first()
    return [{"pk": found or 1}]


def _commendation(w, p, scope: str) -> list[dict]:
    from huiyin.reports.commendations import Commendation

    if scope != "in":
        return []
    found = (
        Commendation.objects.filter(withdrawn=False).order_by("pk").values_list("pk", flat=True)
    ).first()
    return [{"pk": found or 1}]


FILLERS = {
    "reports:commendation_new": _campaign,
    "reports:commendation_notice": _campaign,
    "reports:criticism_notice": _campaign,
    "reports:commendation_withdraw": _commendation,
}
