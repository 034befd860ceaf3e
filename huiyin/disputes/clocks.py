"""The time limits of people's mediation, run by the case core's deadline engine.

Each limit is a :class:`~huiyin.cases.deadlines.Limit` added to ``deadlines.LIMITS`` when the
app is ready (:func:`register_limits`), so the core's clocks, reminders (``huiyin tick``),
holiday calendar and ``settings.HUIYIN_LIMITS`` overrides serve disputes as they serve
petitions. The counting convention is the core's (the start day is not counted; a period
ending on a rest day ends on the next working day).

=========================  ====  ==========================================  ================
code                       days  source                                      whose
=========================  ====  ==========================================  ================
mediation_guideline          30  司法部《人民调解工作若干规定》(2002) art. 33  office (committee)
labour_mediation             15  劳动争议调解仲裁法 art. 14                   office
court_assigned (委派)        30  最高人民法院 特邀调解规定 (2016) art. 27      office
court_entrusted (委托)       15  same                                        office
court_entrusted_simple        7  same (简易程序)                             office
performance              agreed  人民调解法 art. 31 (the agreement's dates)    office
judicial_confirmation        30  人民调解法 art. 33; 民事诉讼法 art. 205        the parties
=========================  ====  ==========================================  ================

* ``mediation_guideline`` ("一般在一个月内调结") runs from the start of mediation; it is a
  guideline: when it passes, the case offers escalation to the next tier
  (:func:`escalation_offer`); an escalation starts it again for the new tier.
* ``labour_mediation`` runs from the day the application was received, for a labour dispute
  (劳动争议, 欠薪): once it passes without an agreement, the worker may apply for arbitration
  (:func:`labour_arbitration_open`).
* The court periods run from the day the mediator signed for the court's materials, and are
  extended only with every party's consent (the ``extend_court_period`` transition).
* The mediation clocks stop when the mediation ends (agreement, failure, refusal, transfer).
* ``performance`` runs to the due date of the earliest performance term not yet checked;
  the committee's check stops it, and the next term's starts.
* ``judicial_confirmation`` is the parties' optional joint window from the agreement's
  effective date: a clock of ``Clock.Party.PETITIONER`` (the citizens' side; for a dispute,
  its parties), shown with the days left, never in ``Case.due_on``, the reminders or an
  overdue figure; ``huiyin tick`` closes it as lapsed when unused.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.cases import clocks as core
from huiyin.cases import deadlines
from huiyin.cases.models import CaseEvent, Clock

GUIDELINE = "mediation_guideline"
LABOUR = "labour_mediation"
COURT_ASSIGNED = "court_assigned"
COURT_ENTRUSTED = "court_entrusted"
COURT_ENTRUSTED_SIMPLE = "court_entrusted_simple"
PERFORMANCE = "performance"
CONFIRMATION = "judicial_confirmation"

#: The clocks of the mediation itself: stopped when it ends.
MEDIATION_CLOCKS = (GUIDELINE, LABOUR, COURT_ASSIGNED, COURT_ENTRUSTED, COURT_ENTRUSTED_SIMPLE)
COURT_CLOCKS = (COURT_ASSIGNED, COURT_ENTRUSTED, COURT_ENTRUSTED_SIMPLE)

_RULES = "司法部《人民调解工作若干规定》"
_INVITED = "最高人民法院《关于人民法院特邀调解的规定》"

LIMITS = (
    deadlines.Limit(
        code=GUIDELINE,
        days=30,
        working_days=False,
        article=f"{_RULES} 第三十三条",
        label=_("Mediate the dispute (guideline: within one month)"),
        start_event="mediation_started",
    ),
    deadlines.Limit(
        code=LABOUR,
        days=15,
        working_days=False,
        article="劳动争议调解仲裁法 第十四条",
        label=_("Labour dispute: reach an agreement before the worker may seek arbitration"),
        start_event="received",
    ),
    deadlines.Limit(
        code=COURT_ASSIGNED,
        days=30,
        working_days=False,
        article=f"{_INVITED} 第二十七条",
        label=_("Mediation assigned by a court before filing"),
        start_event="court_materials_received",
    ),
    deadlines.Limit(
        code=COURT_ENTRUSTED,
        days=15,
        working_days=False,
        article=f"{_INVITED} 第二十七条",
        label=_("Mediation entrusted by a court after filing"),
        start_event="court_materials_received",
    ),
    deadlines.Limit(
        code=COURT_ENTRUSTED_SIMPLE,
        days=7,
        working_days=False,
        article=f"{_INVITED} 第二十七条",
        label=_("Mediation entrusted by a court (simplified procedure)"),
        start_event="court_materials_received",
    ),
    deadlines.Limit(
        code=PERFORMANCE,
        days=0,
        working_days=False,
        article="人民调解法 第三十一条",
        label=_("Check the performance of the mediation agreement"),
        start_event="agreement_effective",
    ),
)


def register_limits() -> None:
    """Add the mediation limits to the core's table (idempotent; called from ``ready()``).

    ``judicial_confirmation`` (人民调解法 art. 33) is already in the core's table.
    """
    for lim in LIMITS:
        deadlines.LIMITS.setdefault(lim.code, lim)


def court_clock_code(source: str, simplified: bool) -> str | None:
    from huiyin.disputes.models import Source

    if source == Source.COURT_ASSIGNED:
        return COURT_ASSIGNED
    if source == Source.COURT_ENTRUSTED:
        return COURT_ENTRUSTED_SIMPLE if simplified else COURT_ENTRUSTED
    return None


def start(case, code: str, on: date, *, actor=None, party: str = Clock.Party.OFFICE) -> Clock:
    """Start `code` from `on` (see :func:`huiyin.cases.clocks.start_clock`)."""
    return core.start_clock(case, code, on, actor=actor, party=party)


def start_until(case, code: str, on: date, until: date, *, actor=None) -> Clock:
    """Start `code` from `on` with the due date `until` fixed by the parties (a performance
    term): the counting convention still moves a rest day to the next working day, and a
    change to the holiday table recomputes it like any other clock."""
    first = min(on, until)
    days = (until - first).days
    computed = deadlines.due(first, days) if days else deadlines.due(first - _DAY, 1)
    clock = Clock.objects.create(
        case=case,
        code=code,
        party=Clock.Party.OFFICE,
        started_on=first if days else first - _DAY,
        due_on=computed.date,
        days=days if days else 1,
        working_days=False,
        unknown_years=list(computed.unknown_years),
    )
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind="clock_started",
        data={
            "code": code,
            "started_on": clock.started_on.isoformat(),
            "due_on": computed.date.isoformat(),
            "unknown_years": list(computed.unknown_years),
        },
    )
    return clock


def stop_mediation_clocks(case, on: date) -> None:
    """The mediation ended on `on`: its clocks stop (met, or late after their due date)."""
    for code in MEDIATION_CLOCKS:
        core.stop_clock(case, code, on=on)


def cancel(case, code: str, on: date) -> None:
    core.cancel_clock(case, code, on=on)


def running(case, code: str) -> Clock | None:
    return core.running_clock(case, code)


def running_court_clock(case) -> Clock | None:
    return (
        Clock.objects.filter(case=case, code__in=COURT_CLOCKS, stopped_at__isnull=True)
        .order_by("id")
        .first()
    )


def sync_performance(case, agreement, on: date, *, actor=None) -> Clock | None:
    """Run the performance clock to the earliest term not yet settled (checked on or after its
    due date, or performed); stop it when none is left. `on`: the day of the change."""
    from huiyin.disputes.models import Performance

    current = running(case, PERFORMANCE)
    terms = [t for t in Performance.objects.filter(agreement=agreement) if not t.settled]
    nearest = min((t.due_on for t in terms), default=None)
    if current is not None:
        if nearest is not None and current.due_on == _rolled(nearest):
            return current
        core.stop_clock(case, PERFORMANCE, on=on)
    if nearest is None or agreement.effective_on is None:
        return None
    return start_until(case, PERFORMANCE, agreement.effective_on, nearest, actor=actor)


def _rolled(day: date) -> date:
    """`day`, or the next working day when it is a rest day (the counting convention)."""
    return deadlines.due(day - _DAY, 1).date


def today() -> date:
    return timezone.localdate()


def escalation_offer(case, today_: date | None = None) -> str | None:
    """The next tier up, when the mediation guideline has passed and the case is still open
    below the district; else None (the case page offers :func:`~huiyin.disputes.services.escalate`)."""
    from huiyin.disputes.models import NEXT_TIER, Dispute

    clock = running(case, GUIDELINE)
    if clock is None or clock.due_on >= (today_ or today()):
        return None
    tier = Dispute.objects.filter(pk=case.pk).values_list("tier", flat=True).first()
    return NEXT_TIER.get(tier)


def labour_arbitration_open(case, today_: date | None = None) -> bool:
    """Whether the 15 days of a labour mediation have passed without an agreement: the worker
    may now apply for arbitration (劳动争议调解仲裁法 art. 14), to be shown and told. Once the
    mediation has ended the question is moot (a failure tells the parties of arbitration)."""
    clock = running(case, LABOUR)
    return clock is not None and clock.due_on < (today_ or today())


def confirmation_window(case) -> Clock | None:
    """The parties' judicial-confirmation window (running or last), for the days left."""
    return Clock.objects.filter(case=case, code=CONFIRMATION).order_by("-id").first()


_DAY = date.resolution
