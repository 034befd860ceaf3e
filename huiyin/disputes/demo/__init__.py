"""Demo disputes: a quarter of people's mediation on the demo street, ending today.

`huiyin demo` calls :func:`load` after the petitions demo and before the screening demo. It
enters the committees as an administrator would — the street's (in the 综治中心, the 大调解中心),
one per community, four grid mediation groups and 惠美家公司's — with their mediators (the
``mediator`` account in the street's, ``community1`` and ``community2`` in their communities':
signed in, each finds the matters they mediate), terms and trainings; then registers about 75
disputes over the 91 days and moves each on through :mod:`huiyin.disputes.services`, one call
per mediation step, by the account whose job it is.

What a reader of the demo finds: every source (a party's application, the committee's
initiative, screening — registered from the grid's weekly report —, the court before and after
filing, the police, a petition turned into mediation with both parties' consent, patrols),
every tier (grid, community, unit, street; one escalated to the street after its month passed)
and every outcome: refused, failed with the art. 26 notice, written agreements (performed, one
in part, one not at all), oral agreements, transfers (a department, the court, arbitration),
and the clocks that matter: a labour dispute past its 15 days, a court's period running, an
agreement inside its 30-day judicial-confirmation window, one confirmed, one rejected and
mediated again; risk notes, one reported to the police; follow-up visits; open matters.

Deterministic (seeded generators, days counted back from today) and loaded in one transaction:
a failed load leaves nothing, and a second load adds nothing. Plans: :mod:`.plans` and
:mod:`.pieces`; words: :mod:`.texts`; writing: :mod:`.loader`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import TextIO

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huiyin.cases import clocks as core_clocks
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category
from huiyin.disputes.demo.loader import Loader, load_committees
from huiyin.disputes.demo.plans import SEED, Planner
from huiyin.disputes.models import Dispute, Mediator
from huiyin.org import demo as org_demo
from huiyin.org.models import Community, Grid, Staff, Street, Unit
from huiyin.petitions import demo as petitions_demo
from huiyin.screening import demo as screening_demo

ACCOUNTS = ("mediator", "governance", "community1", "community2", "grid1")
MEDIATOR_SEED = 20260404

__all__ = ["demo_users", "load", "planner_for"]


def demo_users() -> dict[str, User] | None:
    """The demo accounts the disputes need (with their staff profiles), or None."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=ACCOUNTS).select_related("staff")
        if hasattr(u, "staff")
    }
    return users if len(users) == len(ACCOUNTS) else None


def demo_petition(street: Street, today) -> Case | None:
    """A neighbours' petition of the demo, a few weeks old, to turn into mediation."""
    cutoff = datetime.combine(today - timedelta(days=20), time(0, 0), tzinfo=CHINA_TZ)
    earliest = cutoff - timedelta(days=60)
    petitions = list(
        Case.objects.filter(
            street=street,
            kind=Kind.PETITION,
            category__name="邻里纠纷",
            received_at__lt=cutoff,
            received_at__gte=earliest,
            withdrawn=False,
            petition__is_collective=False,
        ).order_by("received_at", "id")[:200]
    )
    # A matter still being handled (not replied, concluded, declined or transferred), about a
    # leak if there is one: the office offers mediation while it handles the petition.
    in_hand = ("registered", "accepted", "assigned", "handling")

    def rank(case: Case) -> tuple:
        return (case.status not in in_hand, "漏水" not in case.title, case.received_at, case.pk)

    return min(petitions, key=rank, default=None)


def people_pool(extra_avoid: set[str] = frozenset(), *, seed: int) -> petitions_demo.People:
    """Made-up people who share no name with the staff, the demo's petitioners or `extra`."""
    staff = set(Staff.objects.values_list("name", flat=True))
    petitioners = {name for name, _male in petitions_demo.People(avoid=staff).names}
    return petitions_demo.People(seed=seed, avoid=staff | petitioners | set(extra_avoid))


def planner_for(street: Street, now: datetime, *, petition: Case | None = None) -> Planner:
    """A planner over the demo street as it is in the database, for the day of `now`."""
    communities = list(Community.objects.filter(street=street).order_by("order", "id"))
    grids: dict[int, list[Grid]] = {}
    for grid in Grid.objects.filter(community__street=street).order_by("order", "id"):
        grids.setdefault(grid.community_id, []).append(grid)
    mediators = set(Mediator.objects.values_list("name", flat=True))
    avoid = screening_demo.MISSING_LAST_WEEK + screening_demo.MISSING_WEEK_BEFORE
    return Planner(
        today=timezone.localdate(now, CHINA_TZ),
        now=now,
        communities=communities,
        grids=grids,
        categories={c.name: c for c in Category.objects.filter(kind=Kind.DISPUTE)},
        people=people_pool(mediators, seed=SEED),
        petition=petition,
        avoid_grids=frozenset(avoid),
    )


def key_dispute(street: Street, users: dict[str, User], today) -> None:
    """The open wage-arrears dispute with the most money at stake is held under 包案 by the
    leader in charge, as key petitions are ("对重点信访和矛盾纠纷，落实'五个一'")."""
    from huiyin.petitions import keycases

    leader = Staff.objects.filter(user__username="leader").first()
    unit = Unit.objects.filter(street=street, name="司法所").first()
    open_disputes = (
        Dispute.objects.filter(case__street=street, outcome="", case__withdrawn=False)
        .select_related("case__category__parent")
        .order_by(F("amount").desc(nulls_last=True), "pk")
    )
    labour = next((d for d in open_disputes if d.is_labour), None)
    if leader is None or unit is None or labour is None:
        return
    key_case = keycases.mark_key_case(
        labour.case,
        actor=users["governance"],
        leader=leader,
        plan=_(
            "Meet the contractor and the workers within the week with the labour inspectors; "
            "agree a payment schedule; follow each payment until the last is made."
        ),
        time_limit=today + timedelta(days=20),
        responsible_unit=unit,
        team=[users["mediator"].staff],
        team_note=_("the community's party secretary"),
    )
    keycases.add_progress(
        key_case,
        actor=users["mediator"],
        text=_(
            "Met the contractor and six of the workers with the labour inspectors; the first "
            "payment is agreed for the end of the month."
        ),
    )


def load(stdout: TextIO) -> None:
    """Add the demo committees and disputes once; print one summary line."""
    street = org_demo.street()
    users = demo_users()
    if street is None or users is None:
        stdout.write(_("Demo disputes skipped: the demo street or its accounts are missing."))
        return
    if Case.objects.filter(street=street, kind=Kind.DISPUTE).exists():
        stdout.write(_("Demo disputes already loaded: nothing added."))
        return
    now = timezone.now()
    today = timezone.localdate(now, CHINA_TZ)
    with transaction.atomic():
        committees = load_committees(street, users, people_pool(seed=MEDIATOR_SEED), today)
        screening_demo.prepare(street, today - timedelta(days=petitions_demo.PERIOD_DAYS - 1))
        planner = planner_for(street, now, petition=demo_petition(street, today))
        plans = planner.plan()
        Loader(users, committees, street).run(plans)
        # What `huiyin tick` does first: the parties' windows that ran out unused close.
        core_clocks.close_lapsed_windows(today)
        key_dispute(street, users, today)
    disputes = Dispute.objects.filter(case__street=street)
    outcomes = Counter(disputes.values_list("outcome", flat=True))
    stdout.write(
        _(
            "Demo disputes: %(disputes)d disputes (%(agreed)d settled by agreement, "
            "%(failed)d failed or refused, %(transferred)d transferred, %(open)d in hand) "
            "and %(committees)d mediation committees added."
        )
        % {
            "disputes": disputes.count(),
            "agreed": outcomes["agreement"],
            "failed": outcomes["failed"] + outcomes["refused"],
            "transferred": outcomes["transferred"],
            "open": outcomes[""],
            "committees": len(committees),
        }
    )
