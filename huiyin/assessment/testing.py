"""What the URL x role crawl (huiyin.testing.crawl) needs of the assessment pages.

The demo loads the rows (:mod:`huiyin.assessment.demo`: letters with a signed scan, a
published round with an objection, supervision orders, a veto proposal, the five assurances
of a few bodies with evidence). :data:`FILLERS`
fills each page's path: the first row of its kind (every holder of ``assessment.view`` reads
the whole street's assessment) — and for a supervision order, one the person may see ("in")
and one they may not ("out"), since an order is also shown to the target body's own staff.
"""

from __future__ import annotations

from huiyin.assessment import models as m


def _first(model):
    def fill(w, p, scope: str) -> list[dict]:
        if scope != "in":
            return []
        found = model.objects.order_by("pk").values_list("pk", flat=True).first()
        return [{"pk": found or 1}]

    return fill


def _order(w, p, scope: str) -> list[dict]:
    from huiyin.assessment.services.supervision import may_see

    orders = list(m.SupervisionOrder.objects.order_by("pk"))
    if p.user is None:
        return [{"pk": orders[0].pk}] if orders and scope == "out" else []
    pool = [o for o in orders if may_see(p.user, o) == (scope == "in")]
    return [{"pk": pool[0].pk}] if pool else []


_ROUTES = {
    m.Letter: ("letter", "target_add", "scan_upload"),
    m.Target: ("target_delete",),
    m.LetterScan: ("scan", "scan_withdraw"),
    m.Scheme: ("scheme", "scheme_edit", "item_add", "scheme_publish", "scheme_version"),
    m.SchemeItem: ("item", "item_delete"),
    m.Round: ("round", "round_compute", "round_publish", "round_finalize", "round_award"),
    m.Score: ("score",),
    m.Point: ("point_object",),
    m.Objection: ("objection_answer",),
    m.ManualAward: ("evidence",),
    m.VetoProposal: ("veto", "veto_response", "veto_send", "veto_decision"),
}


def _assurance(item: bool):
    """This year's checklist of the first body with evidence kept (or the first community)."""

    def fill(w, p, scope: str) -> list[dict]:
        from huiyin.assessment.bodies import all_bodies
        from huiyin.assessment.services.common import today

        if scope != "in":
            return []
        row = m.Assurance.objects.filter(evidence__isnull=False).order_by("pk").first()
        if row is not None:
            key = f"community-{row.community_id}" if row.community_id else f"unit-{row.unit_id}"
            year = row.year
        else:
            found = all_bodies()
            key, year = (found[0].key if found else "community-1"), today().year
        return [{"year": year, "body": key, **({"item": "leadership"} if item else {})}]

    return fill


def _evidence(w, p, scope: str) -> list[dict]:
    if scope != "in":
        return []
    found = m.AssuranceEvidence.objects.filter(withdrawn=False).order_by("pk").first()
    return [{"pk": found.pk if found else 1}]


FILLERS = {
    "assessment:assurance": _assurance(item=False),
    "assessment:assurance_save": _assurance(item=True),
    "assessment:assurance_evidence_upload": _assurance(item=True),
    "assessment:assurance_evidence": _evidence,
    "assessment:assurance_evidence_withdraw": _evidence,
    **{f"assessment:{name}": _first(model) for model, names in _ROUTES.items() for name in names},
    **{
        f"assessment:{name}": _order
        for name in ("order", "order_feedback", "order_escalate", "order_close", "order_document")
    },
}
