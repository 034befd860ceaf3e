"""The statistics layer: the one package that counts cases.

The dashboard, ``huiyin stats``, the Word reports and the Excel ledgers all read their numbers
from here, so the same question always gets the same number. Nothing else in the code counts.

    period = Period(date(2026, 6, 1), date(2026, 9, 8))     # or Period.this_month() ...
    stats = compute(period, user=request.user)              # None: everything (the CLI)
    stats["petitions"]["by_level"]["national"]["batches"]
    flat(stats)["petitions.by_level.national.batches"]      # the same, for placeholders

Map
===

* ``engine.py`` — what every kind shares: :class:`Period`, :class:`Scope`, :func:`cases`
  (the cases counted: not withdrawn, received in the period, ``Case.objects.visible_to``
  the person, in the scope), what "overdue" means for every kind (:func:`overdue_clock_q`,
  :func:`overdue_at`: an office clock past its due date; the parties' own windows never),
  the registry, :func:`compute` and :func:`flat`.
* ``petitions.py`` — the petitions' figures and their definitions (the sections
  ``petitions``, ``receptions`` and ``goals``); ``petitions_breakdowns.py`` — their rows per
  community and grid, the weekly trend, the overdue and due-soon lists, the dashboard.
* ``disputes.py`` — the disputes' figures (the section ``disputes``: 排查, 调处, 化解 …, each
  dated by its own event) and their rows per community; ``screening.py`` — the weekly
  screening's (the section ``screening``), counted by ``huiyin.screening.compliance``.
* ``incidents.py`` — the incidents' figures (``incidents``: by the time they happened, by type
  and grade, first reports upward on time or late) and the risk notes' (``risk_notes``);
  ``patrols.py`` — ``patrols``, ``inspections`` and ``rectifications``.

How a kind plugs in
===================

A kind adds one module here, say ``disputes.py``, that registers its figures when imported
(the engine imports every module of this package before it composes)::

    from huiyin.cases.kinds import Kind
    from huiyin.reports.stats.engine import Period, Scope, cases, register

    def figures(period: Period, *, user=None, scope: Scope | None = None) -> dict:
        found = cases(Kind.DISPUTE, period, user=user, scope=scope)   # the one door
        return {"disputes": {"registered": found.count(), ...}}

    register("disputes", figures, order=20, labels=labels)

``figures`` returns one dict per top-level JSON key it declared (``sections``, default the
key itself; petitions fill three); :func:`compute` puts them after ``period`` and ``scope``,
kinds by ``order``, and refuses a kind that returns other keys, so the JSON keys stay stable.
``labels()`` (optional) names the sections and figures by dotted key (``{"disputes":
"矛盾纠纷排查调处", "disputes.registered": …}``, through gettext): ``huiyin stats`` prints
every registered section under them.
A kind counts in a fixed number of queries (grouped aggregates folded in Python, never a
query per row) and documents each figure's definition in its module docstring and the README.
Nothing in the engine changes for a new kind.
"""

from huiyin.reports.stats.engine import (
    FigureSet,
    Period,
    Scope,
    cases,
    compose,
    compute,
    flat,
    overdue_at,
    overdue_clock_q,
    register,
    registered,
)
from huiyin.reports.stats.petitions import (
    ACCEPTED_STATES,
    CHANNELS,
    GOALS,
    INCIDENT_GOALS,
    LEVELS,
    OVER_LEVEL_FIGURES,
    SATISFIED,
    goal_channels,
    is_over_level,
    is_upward,
    over_level_figure,
    petition_cases,
)
from huiyin.reports.stats.petitions_breakdowns import (
    dashboard,
    due_soon_cases,
    overdue_cases,
    per_community,
    per_grid,
    weekly_trend,
)

__all__ = [
    "ACCEPTED_STATES",
    "CHANNELS",
    "GOALS",
    "INCIDENT_GOALS",
    "LEVELS",
    "OVER_LEVEL_FIGURES",
    "SATISFIED",
    "FigureSet",
    "Period",
    "Scope",
    "cases",
    "compose",
    "compute",
    "dashboard",
    "due_soon_cases",
    "flat",
    "goal_channels",
    "is_over_level",
    "is_upward",
    "over_level_figure",
    "overdue_at",
    "overdue_cases",
    "overdue_clock_q",
    "per_community",
    "per_grid",
    "petition_cases",
    "registered",
    "register",
    "weekly_trend",
]
