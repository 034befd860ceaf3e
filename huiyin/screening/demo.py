"""Demo screening: a quarter of weekly reports (一周一排查、一周一上报), ending today.

`huiyin demo` calls :func:`load` after the disputes demo. Every community and grid of the demo
street has its duty (:func:`huiyin.screening.services.ensure_duties`), and so has one
enterprise (惠美家公司: a unit reports once it is given the duty; there is no service for that,
so its duty row is written here, as an administrator would enter it). Each week of the 91 days
is filed through :func:`huiyin.screening.services.file_report` by whoever may file it — the
grid worker their grid, the community workers their communities, the 综治办 the others (it
enters the paper reports of bodies without an account) — at a moment of the past that makes
it on time or late. Most reports are nil reports (零报告); a few community reports list an open
dispute still in hand by its number; the disputes found in screening were registered from their reports by
the disputes demo (:func:`file_found`), the way a grid worker's report registers them.

Left undone on purpose, so the 综治办 board has something to show: two grids' reports for the
last complete week and one grid's for the week before (missing once the deadline has passed),
and the current week, filed only by the bodies that have already got to it.

Deterministic (a seeded generator, moments counted back from now) and loaded in one
transaction; a second load adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from huiyin.cases import deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.org import demo as org_demo
from huiyin.org.models import Grid, Street, Unit
from huiyin.org.roles import Perm
from huiyin.petitions.demo import PERIOD_DAYS
from huiyin.screening import compliance, periods, services
from huiyin.screening.bodies import Body, bodies_in, may_file
from huiyin.screening.models import ScreeningDuty, ScreeningItem, ScreeningReport

SEED = 20260403

#: Who files, most local first: the first of them who may file a body's report files it.
FILERS = ("grid1", "community1", "community2", "governance")
GOVERNANCE = "governance"

#: The enterprise given a screening duty (a unit with many workers: 欠薪 is found there first).
DUTY_UNITS = ("惠美家公司",)

#: The grids that leave a week unreported, most wanted first (never one with an account, so
#: the reminder goes to the community and the 综治办): (community, grid order).
MISSING_LAST_WEEK = (("北辰社区", 6), ("金鱼池社区", 3), ("果丰社区", 4), ("北辰社区", 5))
MISSING_WEEK_BEFORE = (("果丰社区", 2), ("北辰社区", 4), ("金鱼池社区", 2))

LATE_SHARE = 0.08
LINK_AFTER_DAYS = 7  # a dispute still open this long after it came is listed by its community
EARLY_SHARE = 0.45  # of bodies that have filed this week's report already

NOTES_ON_NIL = (
    "本周走访辖区居民，未发现新的矛盾纠纷。",
    "网格员入户走访，重点排查邻里、物业、欠薪问题，本周无新增。",
    "",
    "",
    "",
)
NOTE_AMENDED = "补充：对上周登记的纠纷进行了回访，当事人情绪稳定。"
NOTE_WITH_LINK = "本周排查发现的纠纷已在调解中，列入本周报告跟踪。"


# --------------------------------------------------------------------------- duties and bodies


def prepare(street: Street, first_day: date) -> None:
    """The duties the demo files against, from the ISO week of `first_day` (idempotent)."""
    active_from = periods.containing(first_day).start
    services.ensure_duties(street, active_from=active_from)
    for name in DUTY_UNITS:
        unit = Unit.objects.filter(street=street, name=name).first()
        if unit is None or ScreeningDuty.objects.filter(unit=unit).exists():
            continue
        ScreeningDuty.objects.create(
            street=street, unit=unit, active_from=active_from, note="企业内部矛盾纠纷排查"
        )


def demo_bodies(street: Street, users: dict[str, User], first: date, last: date) -> list[Body]:
    """Every body with a duty in [first, last], in board order."""
    return bodies_in(users[GOVERNANCE], Perm.DISPUTES_SCREEN, first, last, street=street)


def body_for(bodies: list[Body], *, community_id: int, grid_id: int | None) -> Body | None:
    for body in bodies:
        if body.community_id == community_id and body.grid_id == grid_id and not body.is_unit:
            return body
    return None


def filer(users: dict[str, User], body: Body) -> User:
    """The most local demo account that may file `body`'s report (the 综治办 otherwise)."""
    for name in FILERS:
        user = users.get(name)
        if user is not None and may_file(user, body):
            return user
    return users[GOVERNANCE]


def file_found(
    users: dict[str, User],
    body: Body,
    *,
    found_on: date,
    moment: datetime,
    title: str,
    description: str,
    category,
    people_count: int,
) -> Case:
    """A dispute found in screening, registered from `body`'s report of that week (the report
    is filed, or amended when it was filed already) — as the disputes demo registers its
    "排查发现" disputes. Returns the dispute's case."""
    filing = services.file_report(
        filer(users, body),
        body,
        periods.containing(found_on),
        new=[
            services.NewItem(
                title=title,
                people_count=people_count,
                description=description,
                category=category,
                found_on=found_on,
            )
        ],
        moment=moment,
    )
    return filing.items[-1].case


def demo_users() -> dict[str, User] | None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=FILERS).select_related("staff")
        if hasattr(u, "staff")
    }
    return users if GOVERNANCE in users else None


# --------------------------------------------------------------------------- the weeks


class WeekFiler:
    """Files every body's report for every week of the quarter, at moments of the past."""

    def __init__(self, street: Street, users: dict[str, User], now: datetime):
        self.street, self.users, self.now = street, users, now
        self.today = periods.today(now)
        self.first_day = self.today - timedelta(days=PERIOD_DAYS - 1)
        self.rng = random.Random(SEED)
        self.calendar = deadlines.current_calendar()
        self._quota: dict[str, int] = {}
        self.filed = self.late = self.nil = self.linked = 0

    def quota(self, name: str, share: float) -> bool:
        """`share` of the calls under `name`, spread evenly (as the petitions demo does)."""
        seen = self._quota.get(name, 0) + 1
        self._quota[name] = seen
        return int(seen * share) > int((seen - 1) * share)

    def at(self, day: date, earliest: time, latest: time) -> datetime:
        lo, hi = earliest.hour * 60 + earliest.minute, latest.hour * 60 + latest.minute
        minutes = self.rng.randint(lo, hi)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=CHINA_TZ)

    def on_time_moment(self, period: periods.Period) -> datetime:
        """Friday afternoon (the period's last working day) or the deadline's morning."""
        deadline = periods.deadline_of(period)
        last_working = period.end
        while last_working > period.start and not self.calendar.is_working_day(last_working):
            last_working -= timedelta(days=1)
        friday = self.at(last_working, time(15, 0), time(17, 30))
        if self.rng.random() < 0.5 or friday > self.now:
            morning = self.at(deadline.date(), time(8, 30), time(11, 50))
            if morning < deadline and morning <= self.now:
                return morning
        return friday

    def late_moment(self, period: periods.Period) -> datetime | None:
        """A few hours to two days after the deadline; None when that is still to come."""
        moment = periods.deadline_of(period) + timedelta(minutes=self.rng.randint(90, 2 * 1440))
        return moment if moment <= self.now - timedelta(minutes=5) else None

    def early_moment(self, period: periods.Period) -> datetime | None:
        """A moment of the current week, in office hours and already past; None when there is
        none yet (Monday before work, a holiday week)."""
        days = [
            d
            for d in (period.start + timedelta(days=n) for n in range(7))
            if d <= self.today and self.calendar.is_working_day(d)
        ]
        self.rng.shuffle(days)
        for day in days:
            moment = self.at(day, time(9, 0), time(17, 30))
            if moment <= self.now - timedelta(minutes=10):
                return moment
        return None

    def missing(self, bodies: list[Body], period: periods.Period, wanted, count: int) -> set:
        """The grids left without a report for `period`: the first `count` of `wanted` that have
        none yet (the disputes demo may have filed one)."""
        filed = set(
            ScreeningReport.objects.filter(
                street=self.street, period_start=period.start, grid__isnull=False
            ).values_list("grid_id", flat=True)
        )
        grids = {
            (g.community.name, g.order): g.pk
            for g in Grid.objects.filter(community__street=self.street).select_related("community")
        }
        out: set[tuple[str, int]] = set()
        for place in wanted:
            body = next((b for b in bodies if b.is_grid and b.grid_id == grids.get(place)), None)
            if body is not None and body.grid_id not in filed and len(out) < count:
                out.add(body.key)
        return out

    def open_disputes(self) -> list[tuple[int, int | None, date]]:
        """Open disputes as (id, community, date received), oldest first."""
        rows = Case.objects.filter(
            street=self.street, kind=Kind.DISPUTE, closed_at__isnull=True, withdrawn=False
        ).order_by("received_at", "id")
        return [(c.pk, c.community_id, c.received_on) for c in rows]

    def run(self) -> None:
        first = periods.containing(self.first_day)
        current = periods.containing(self.today)
        weeks = periods.between(first, current)
        bodies = demo_bodies(self.street, self.users, first.start, current.end)
        skip = {(current.previous(), key) for key in self.missing(
            bodies, current.previous(), MISSING_LAST_WEEK, 2
        )} | {(current.previous().previous(), key) for key in self.missing(
            bodies, current.previous().previous(), MISSING_WEEK_BEFORE, 1
        )}  # fmt: skip
        open_cases = self.open_disputes()
        numbers = dict(
            Case.objects.filter(pk__in=[pk for pk, _c, _d in open_cases]).values_list(
                "pk", "number"
            )
        )
        listed = set(ScreeningItem.objects.values_list("case_id", flat=True))
        already = {
            (r.period_start, r.body_key)
            for r in ScreeningReport.objects.filter(
                street=self.street, period_start__gte=first.start
            )
        }
        amended = False
        for period in weeks:
            for body in bodies:
                if (period, body.key) in skip or (period.start, body.key) in already:
                    continue
                if period == current:
                    if not (body.is_grid and self.quota("early", EARLY_SHARE)):
                        continue
                    moment = self.early_moment(period)
                elif self.quota("late", LATE_SHARE):
                    moment = self.late_moment(period) or self.on_time_moment(period)
                else:
                    moment = self.on_time_moment(period)
                if moment is None:
                    continue
                links = []
                if body.is_community and period != current:
                    # A dispute still open a week after it came is listed in its community's
                    # report ("在调处中"), once.
                    candidates = [
                        pk
                        for pk, community_id, received in open_cases
                        if community_id == body.community_id
                        and received + timedelta(days=LINK_AFTER_DAYS) <= period.end
                        and pk not in listed
                    ][:2]
                    listed.update(candidates)
                    links = [
                        services.LinkItem(numbers[pk], self.rng.randint(2, 6)) for pk in candidates
                    ]
                note = NOTE_WITH_LINK if links else self.rng.choice(NOTES_ON_NIL)
                filing = services.file_report(
                    filer(self.users, body),
                    body,
                    period,
                    nil=not links,
                    note=note,
                    links=links,
                    moment=moment,
                )
                self.filed += 1
                self.nil += int(not links)
                self.linked += len(links)
                self.late += int(not filing.report.on_time)
                # One nil report amended a day later with a note (its history shows both).
                if not amended and not links and period == current.previous().previous():
                    later = moment + timedelta(days=1)
                    if later <= self.now:
                        services.file_report(
                            filer(self.users, body),
                            body,
                            period,
                            nil=True,
                            note=NOTE_AMENDED,
                            version=filing.report.version,
                            moment=later,
                        )
                        amended = True


def load(stdout: TextIO) -> None:
    """Add the demo screening once; print one summary line."""
    street = org_demo.street()
    users = demo_users()
    if street is None or users is None:
        stdout.write(_("Demo screening skipped: the demo street or its accounts are missing."))
        return
    # The disputes demo files the reports that registered its disputes; nil reports are ours.
    if ScreeningReport.objects.filter(street=street, is_nil=True).exists():
        stdout.write(_("Demo screening already loaded: nothing added."))
        return
    now = periods.now()
    weeks = WeekFiler(street, users, now)
    with transaction.atomic():
        prepare(street, weeks.first_day)
        weeks.run()
    first = periods.containing(weeks.first_day)
    totals = compliance.compliance(street, first, periods.containing(weeks.today), moment=now)
    stdout.write(
        _(
            "Demo screening: %(duties)d reporting bodies, %(reports)d weekly reports "
            "(%(nil)d nil, %(late)d late), %(missing)d missing."
        )
        % {
            "duties": ScreeningDuty.objects.filter(street=street).count(),
            "reports": ScreeningReport.objects.filter(street=street).count(),
            "nil": totals.totals["nil"],
            "late": totals.totals["late"],
            "missing": totals.totals["missing"],
        }
    )
