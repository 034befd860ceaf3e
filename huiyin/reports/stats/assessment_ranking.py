"""The assessment's ranking: the section ``assessment`` (``assessment.ranking``).

Registered with the statistics engine ON REQUEST (``register(..., on_request=True)``): scoring
computes every body's figures for its own scope — a few queries per section per community
and unit — so :func:`~huiyin.reports.stats.compute` leaves it out unless the caller names it
(``include=("assessment",)``). ``huiyin stats`` names every section; the dashboard, the home
page, the Word reports and the API do not, and pay nothing for it.

Definitions
===========

* **assessment.scheme** = the name of the scheme the bodies are scored under: the scheme of the
  assessment round whose period is exactly the statistics' period (the latest such round of
  the streets ranked: a round is one street's),
  else the built-in scheme (:mod:`huiyin.assessment.defaults`) when a published version of it
  applies to the whole period; ``None`` when neither does.
* **assessment.ranking** = ``[{"unit", "kind", "score", "vetoed"}]``: each community, then
  each unit, ranked as ``huiyin assess`` ranks them (:func:`huiyin.assessment.scoring.score`,
  the same code: not vetoed first, by score), ``unit`` the body's name, ``kind``
  ``"community"`` or ``"unit"``, ``score`` its points under the scheme (a round's manual
  awards counted), ``vetoed`` whether the district's veto is in effect in the period. The
  points are computed now, from the statistics: a round's published or adjusted points are on
  its own page.
* Only the bodies of the person's streets (and of the scope's street) are ranked, as a
  round ranks one street's bodies among themselves.
* With a community or unit :class:`~huiyin.reports.stats.engine.Scope`, only that body's row
  (a grid scope: none). With ``user``, only a holder of ``assessment.view`` gets a ranking:
  anyone else gets ``{"ranking": [], "scheme": None}``.

The built-in scheme scores how matters were handled, never how many people petitioned
(:mod:`huiyin.assessment.keys`): lawful petitions added to a period do not move the ranking.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from huiyin.reports.stats.engine import Period, Scope, register

__all__ = ["SECTION", "figures", "scheme_of"]

SECTION = "assessment"


def scheme_of(period: Period, street_ids=None):
    """``(scheme, round)`` the period is scored under (round None: the built-in scheme), or
    ``(None, None)``; with `street_ids`, a round of those streets only (a round is one
    street's)."""
    from huiyin.assessment import defaults
    from huiyin.assessment.models import Round
    from huiyin.assessment.services.common import AssessmentInvalid
    from huiyin.assessment.services.schemes import scheme_for

    rounds = Round.objects.select_related("scheme").filter(start=period.start, end=period.end)
    if street_ids is not None:
        rounds = rounds.filter(street_id__in=street_ids)
    found = rounds.order_by("-id").first()
    if found is not None:
        return found.scheme, found
    # The built-in scheme is published with the software (made once, idempotent).
    defaults.ensure_default_scheme()
    try:
        return scheme_for(defaults.NAME, period.start, period.end), None
    except AssessmentInvalid:
        return None, None


def _street_ids(user, scope: Scope | None):
    """The streets ranked: the scope's street, within the person's streets (None: every
    street, the command line over one database)."""
    from huiyin.org.access import reach_of

    ids = None if user is None else set(reach_of(user).street_ids)
    if scope is not None and scope.street_id is not None:
        ids = {scope.street_id} if ids is None else ids & {scope.street_id}
    return ids


def _awards(period: Period, scheme, street_ids) -> dict:
    """The manual awards of the rounds of the period under `scheme`, the latest round of each
    street (the bodies of two streets never meet: one dict)."""
    from huiyin.assessment.models import Round
    from huiyin.assessment.services.rounds import awards_of

    rounds = Round.objects.filter(start=period.start, end=period.end, scheme=scheme)
    if street_ids is not None:
        rounds = rounds.filter(street_id__in=street_ids)
    out: dict = {}
    seen: set[int] = set()
    for found in rounds.order_by("-id"):
        if found.street_id not in seen:
            seen.add(found.street_id)
            out.update(awards_of(found))
    return out


def _bodies(scope: Scope | None, street_ids=None):
    """The bodies of the scope: everyone (of `street_ids` when given), one community, one unit,
    or none (a grid)."""
    from huiyin.assessment.bodies import COMMUNITY, UNIT, all_bodies

    everyone = all_bodies(street_ids=street_ids)
    if scope is None:
        return everyone
    if scope.grid_id is not None:
        return []
    if scope.community_id is not None:
        everyone = [b for b in everyone if b.kind == COMMUNITY and b.id == scope.community_id]
    if scope.unit_id is not None:
        everyone = [b for b in everyone if b.kind == UNIT and b.id == scope.unit_id]
    return everyone


def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
    """The section ``assessment`` of :func:`~huiyin.reports.stats.compute`."""
    from huiyin.assessment.scoring import score
    from huiyin.org.access import reach_of
    from huiyin.org.roles import Perm

    empty = {SECTION: {"ranking": [], "scheme": None}}
    if user is not None and not reach_of(user).can(Perm.ASSESSMENT_VIEW):
        return empty
    # A round is one street's: the person's (or the scope's) streets' bodies and rounds only.
    street_ids = _street_ids(user, scope)
    scheme, found = scheme_of(period, street_ids)
    if scheme is None:
        return empty
    bodies = _bodies(scope, street_ids)
    awards = _awards(period, scheme, street_ids) if found is not None else None
    results = (
        score(scheme, period, bodies=bodies, awards=awards, with_matters=False) if bodies else []
    )
    return {
        SECTION: {
            "ranking": [
                {
                    "unit": r.body.name,
                    "kind": r.body.kind,
                    "score": float(r.total),
                    "vetoed": r.vetoed,
                }
                for r in results
            ],
            "scheme": scheme.name,
        }
    }


def labels() -> dict[str, str]:
    return {
        SECTION: _("Assessment ranking"),
        f"{SECTION}.ranking": _("Ranking"),
        f"{SECTION}.scheme": _("Scheme"),
    }


register(
    SECTION + "_ranking", figures, sections=(SECTION,), order=95, labels=labels, on_request=True
)
