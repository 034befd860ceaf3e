"""What the URL x role crawl (huiyin.testing.crawl) needs of the risk assessment pages.

The demo loads the rows (:mod:`huiyin.riskassessments.demo`: a decided assessment with
measures, one still consulting). Every holder of ``assessment.view`` reads every assessment
(they are the street's), so each page is filled with the first row of its kind, "in" scope.
"""

from __future__ import annotations

from huiyin.riskassessments import models as m


def _first(model, **filters):
    def fill(w, p, scope: str) -> list[dict]:
        if scope != "in":
            return []
        found = model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
        return [{"pk": found or 1}]

    return fill


_OPEN = {"status__in": ["draft", "consulting", "reviewed"]}

FILLERS = {
    "riskassessments:detail": _first(m.RiskAssessment),
    "riskassessments:document": _first(m.RiskAssessment),
    "riskassessments:edit": _first(m.RiskAssessment, **_OPEN),
    "riskassessments:consultation_add": _first(m.RiskAssessment, **_OPEN),
    "riskassessments:risk_add": _first(m.RiskAssessment, **_OPEN),
    "riskassessments:review": _first(m.RiskAssessment, **_OPEN),
    "riskassessments:conclude": _first(m.RiskAssessment, **_OPEN),
    "riskassessments:decide": _first(m.RiskAssessment),
    "riskassessments:measure_add": _first(m.RiskAssessment),
    "riskassessments:measure_update": _first(m.Measure),
}
