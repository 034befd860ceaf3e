"""Demo patrols: a quarter of patrols in every grid of the demo street, key places and their
inspections, ending today.

`huiyin demo` calls :func:`load` after the incidents and screening demos (the apps' order).
Everything goes through :mod:`huiyin.patrols.services`, by whoever may do it where: the grid
worker (``grid1``) patrols their own grid weekly, the community workers (``community1``,
``community2``) their communities' grids, the 综治办 (``governance``) enters the patrols of the
communities without an account. The past is given as a clerk entering the patrol log after the
fact gives it: when each patrol started, the day of each inspection and re-inspection, each
rectification's deadline. What the services stamp (recorded at, a rectification made from a
finding) carries the moment of loading.

What a reader of the demo finds:

* every grid patrolled about once a fortnight across the 91 days — grid patrols (网格巡查),
  volunteer evening patrols with the community's volunteers (红袖章) and joint patrols with the
  police station (联防) — and the grid worker's own grid every week; this week's roster;
* patrol findings of conditions, never of people: a fire risk that became a rectification still
  within its deadline, a broken manhole cover rectified today, a stall handled on the spot;
* key places: an internet café (网吧), a hotel and a school's surroundings; the café's
  inspection with the culture authority five weeks ago failed two items — the minors' sign,
  rectified at the re-inspection, and the fire extinguishers, past their deadline (overdue:
  the bell reminds at the next tick) —, the hotel and the school's surroundings passed.

Deterministic: moments are fixed hours of days counted back from today in Beijing (none later
than yesterday), people (volunteers, the café's manager) from the seeded pool of made-up
people. Loaded in one transaction: a failed load leaves nothing, a second load adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.org import demo as org_demo
from huiyin.org.models import Community, Grid, Street
from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.models import (
    Inspection,
    Patrol,
    PatrolKind,
    Place,
    PlaceKind,
    Rectification,
    Result,
    Volunteer,
)
from huiyin.petitions.demo import PERIOD_DAYS
from huiyin.screening import periods

SEED = 20260406
GOVERNANCE, GRID_WORKER, COMMUNITY1, COMMUNITY2 = "governance", "grid1", "community1", "community2"
#: Who records, most local first: the first of them whose scope covers the grid records there.
RECORDERS = (GRID_WORKER, COMMUNITY1, COMMUNITY2, GOVERNANCE)
ACCOUNTS = RECORDERS

POLICE = "浓洄派出所"
#: Volunteers on each community's roster.
VOLUNTEERS = 3
#: Days between two patrols of a grid (a fortnight); the grid worker's own grid: a week.
EVERY_DAYS = 14
#: Days back of the internet café's inspection and of its re-inspection, and the deadlines
#: given: the sign by the re-inspection, the extinguishers two weeks on (passed: overdue).
CAFE_AGE = 35
SIGN_DAYS, EXTINGUISHER_DAYS, REINSPECTED_DAYS = 5, 14, 4

__all__ = ["demo_users", "load"]


def demo_users() -> dict[str, User] | None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=ACCOUNTS).select_related("staff")
        if hasattr(u, "staff")
    }
    return users if len(users) == len(ACCOUNTS) else None


@dataclass
class Demo:
    street: Street
    users: dict[str, User]
    today: date
    volunteers: dict[int, list[Volunteer]] = field(default_factory=dict)

    def at(self, age: int, hhmm: str) -> datetime:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return datetime.combine(self.today - timedelta(days=age), time(hour, minute), CHINA_TZ)

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def recorder(self, community: Community, grid: Grid | None = None, perm=Perm.PATROLS_RECORD):
        for username in RECORDERS:
            user = self.users[username]
            if access.covers(user, perm, community.pk, grid.pk if grid else None):
                return user
        raise LookupError(community.name)

    def grids(self) -> list[Grid]:
        return list(
            Grid.objects.filter(community__street=self.street)
            .select_related("community")
            .order_by("community__order", "order", "id")
        )

    def grid(self, community: str, order: int) -> Grid:
        return next(g for g in self.grids() if g.community.name == community and g.order == order)

    # ----------------------------------------------------------------- volunteers and patrols

    def enlist(self, people) -> None:
        """Each community's volunteer roster, entered by its community worker (or the 综治办)."""
        for community in Community.objects.filter(street=self.street).order_by("order", "id"):
            actor = self.recorder(community)
            self.volunteers[community.pk] = [
                services.add_volunteer(
                    actor, community=community, name=people.take(community.name).name
                )
                for _n in range(VOLUNTEERS)
            ]

    def patrol(self, grid: Grid, age: int, kind: str, turn: int) -> Patrol:
        actor = self.recorder(grid.community, grid)
        if kind == PatrolKind.VOLUNTEER:
            crew = self.volunteers[grid.community_id]
            return services.record_patrol(
                actor,
                kind=kind,
                grid=grid,
                started_at=self.at(age, "19:30"),
                duration_minutes=90,
                volunteers=[v.pk for v in (crew[turn % len(crew)], crew[(turn + 1) % len(crew)])],
                note="晚间治安巡逻，重点巡查小区出入口和背街小巷。",
            )
        if kind == PatrolKind.JOINT:
            return services.record_patrol(
                actor,
                kind=kind,
                grid=grid,
                started_at=self.at(age, "20:30"),
                duration_minutes=120,
                police_unit=POLICE,
                note="与派出所联合巡逻，检查沿街商铺消防安全和夜间治安秩序。",
            )
        return services.record_patrol(
            actor,
            kind=kind,
            grid=grid,
            started_at=self.at(age, ("09:00", "09:30", "14:30", "15:00")[turn % 4]),
            duration_minutes=(60, 75, 90)[turn % 3],
            note="日常网格巡查：楼栋、消防通道、沿街商铺和公共设施。",
        )

    def patrols(self) -> dict[tuple[int, int], Patrol]:
        """Every grid about once a fortnight (a volunteer or a joint patrol every third turn),
        the grid worker's grid every week. Returns {(grid id, age): patrol}."""
        made: dict[tuple[int, int], Patrol] = {}
        own = self.users[GRID_WORKER]
        for index, grid in enumerate(self.grids()):
            weekly = access.covers(own, Perm.PATROLS_RECORD, grid.community_id, grid.pk) and (
                not access.street_wide(own, Perm.PATROLS_RECORD)
            )
            step = 7 if weekly else EVERY_DAYS
            first = 1 + (index * 3) % 7
            for turn, age in enumerate(range(first, PERIOD_DAYS, step)):
                if turn % 3 == 1:
                    kind = PatrolKind.VOLUNTEER
                elif turn % 3 == 2 and index % 2 == 0:
                    kind = PatrolKind.JOINT
                else:
                    kind = PatrolKind.GRID
                made[(grid.pk, age)] = self.patrol(grid, age, kind, turn + index)
        return made

    def findings(self, made: dict[tuple[int, int], Patrol]) -> None:
        """Conditions found on patrol: a fire risk to rectify, a broken manhole cover rectified
        today, a stall handled on the spot."""
        by_grid: dict[int, list[tuple[int, Patrol]]] = {}
        for (grid_id, age), patrol in made.items():
            by_grid.setdefault(grid_id, []).append((age, patrol))

        def near(grid: Grid, age: int) -> Patrol:
            return min(by_grid[grid.pk], key=lambda pair: (abs(pair[0] - age), pair[0]))[1]

        first = self.grid("柑子园社区", 1)
        patrol = near(first, 10)
        actor = self.recorder(first.community, first)
        found = services.add_finding(
            actor,
            patrol,
            kind="fire_risk",
            location="柑子园小区3栋1单元楼道",
            description="楼道内停放电动车并飞线充电，堵塞疏散通道。",
        )
        services.to_rectification(
            actor,
            found,
            responsible_party="柑子园小区物业服务中心",
            deadline=self.today + timedelta(days=5),
            basis="《消防法》第二十八条",
        )
        second = self.grid("柑子园社区", 2)
        patrol = near(second, 30)
        actor = self.recorder(second.community, second)
        found = services.add_finding(
            actor,
            patrol,
            kind="damaged_facility",
            location="滨江花园东门外人行道",
            description="雨水井盖破损下陷，行人有踩空危险。",
        )
        rectification = services.to_rectification(
            actor, found, responsible_party="城建办市政维护队", deadline=self.today
        )
        services.reinspect(
            actor,
            rectification,
            on=self.today,
            result="passed",
            note="井盖已更换，复查合格。",
        )
        third = self.grid("翠屏路社区", 1)
        patrol = near(third, 20)
        actor = self.recorder(third.community, third)
        found = services.add_finding(
            actor,
            patrol,
            kind="condition",
            location="翠屏路农贸市场西侧路口",
            description="流动摊贩占道经营，影响行人通行。",
        )
        services.mark_noted(actor, found, note="当场劝导摊贩入市经营，路口恢复通行。")

    def roster(self) -> None:
        """This week's roster of the grid worker's grid: the grid worker and two volunteers."""
        week = periods.containing(self.today, periods.WEEK)
        grid = self.grid("柑子园社区", 1)
        actor = self.users[GRID_WORKER]
        crew = self.volunteers[grid.community_id]
        for offset in (1, 3):
            services.add_roster_entry(
                actor,
                grid=grid,
                day=week.start + timedelta(days=offset),
                kind=PatrolKind.GRID,
                staff=actor.staff,
            )
        services.add_roster_entry(
            actor,
            grid=grid,
            day=week.start + timedelta(days=5),
            kind=PatrolKind.VOLUNTEER,
            volunteer=crew[0],
            note="晚间巡逻",
        )

    # ----------------------------------------------------------------- places and inspections

    def places(self, people) -> dict[str, Place]:
        kinds = {k.code: k for k in PlaceKind.objects.all()}
        rows = (
            ("internet_cafe", "翠屏网咖", "翠屏路36号二楼", ("翠屏路社区", 2), "culture",
             "网络文化经营许可证、营业执照、消防安全检查合格证"),
            ("hotel", "浓洄商务宾馆", "北辰商业街18号", ("北辰社区", 3), "police",
             "特种行业许可证、营业执照、卫生许可证"),
            ("school_surroundings", "广安中学周边", "翠屏路广安中学校门及周边200米",
             ("翠屏路社区", 1), "police", ""),
        )  # fmt: skip
        out = {}
        for code, name, address, (community, order), authority, licences in rows:
            grid = self.grid(community, order)
            manager = people.take(community) if licences else None
            out[code] = services.save_place(
                self.recorder(grid.community, grid, Perm.INSPECTIONS_RECORD),
                kind=kinds[code],
                name=name,
                address=address,
                community=grid.community,
                grid=grid,
                authority=authority,
                licences=licences,
                responsible_name=manager.name if manager else "",
                responsible_phone=manager.phone if manager else "",
            )
        return out

    def inspect(self, place: Place, age: int, lead: str, fail: dict, **extra):
        """Inspect against the checklist in use; `fail` maps an item's opening words to
        (note, days from the inspection to its deadline)."""
        items = list(services.current_checklist(place.kind).items.order_by("order"))
        results, deadlines = {}, {}
        for item in items:
            failed = next((v for k, v in fail.items() if item.text.startswith(k)), None)
            if failed is None:
                results[item.pk] = (Result.PASS, "")
            else:
                results[item.pk] = (Result.FAIL, failed[0])
                deadlines[item.pk] = self.ago(age) + timedelta(days=failed[1])
        actor = self.recorder(place.community, place.grid, Perm.INSPECTIONS_RECORD)
        team = list(dict.fromkeys((actor.staff, self.users[GOVERNANCE].staff)))
        return services.record_inspection(
            actor,
            place,
            inspected_on=self.ago(age),
            lead_authority=lead,
            inspector_signatures="、".join(s.name for s in team),
            staff=[s.pk for s in team],
            results=results,
            deadlines=deadlines,
            **extra,
        )

    def inspections(self, places: dict[str, Place]) -> None:
        cafe = places["internet_cafe"]
        inspection = self.inspect(
            cafe,
            CAFE_AGE,
            "culture",
            {
                "入口处显著位置悬挂未成年人禁入标志": ("禁入标志被宣传海报遮挡。", SIGN_DAYS),
                "灭火器等消防器材": ("2具灭火器压力不足，1具已过有效期。", EXTINGUISHER_DAYS),
            },
            joint_members="区文化市场综合行政执法支队执法人员2名",
            findings="营业场所证照齐全，未发现接纳未成年人；禁入标志被遮挡，部分灭火器失效。",
            place_signature=cafe.responsible_name,
        )
        sign = Rectification.objects.get(
            inspection=inspection, item__startswith="入口处显著位置悬挂未成年人禁入标志"
        )
        actor = self.recorder(cafe.community, cafe.grid, Perm.INSPECTIONS_RECORD)
        services.reinspect(
            actor,
            sign,
            on=self.ago(CAFE_AGE - REINSPECTED_DAYS),
            result="passed",
            note="禁入标志已移至入口处醒目位置，无遮挡。",
        )
        self.inspect(places["hotel"], 50, "police", {}, findings="检查项目均符合要求。")
        self.inspect(places["school_surroundings"], 20, "police", {}, findings="校园周边秩序良好。")


def _people():
    from huiyin.disputes import demo as disputes_demo
    from huiyin.disputes.models import Mediator, Party

    taken = set(Mediator.objects.values_list("name", flat=True))
    taken |= {p.name for p in Party.objects.only("name")}
    return disputes_demo.people_pool(taken, seed=SEED)


def load(stdout: TextIO) -> None:
    """Add the demo patrols, places and inspections once; print one summary line."""
    street = org_demo.street()
    users = demo_users()
    if street is None or users is None:
        stdout.write(_("Demo patrols skipped: the demo street or its accounts are missing."))
        return
    if (
        Patrol.objects.filter(street=street).exists()
        or Place.objects.filter(street=street).exists()
    ):
        stdout.write(_("Demo patrols already loaded: nothing added."))
        return
    from huiyin.patrols.defaults import ensure_defaults

    demo = Demo(street, users, periods.today())
    people = _people()
    with transaction.atomic():
        ensure_defaults()
        demo.enlist(people)
        made = demo.patrols()
        demo.findings(made)
        demo.roster()
        demo.inspections(demo.places(people))
    patrols = Patrol.objects.filter(street=street)
    rectifications = Rectification.objects.filter(street=street)
    stdout.write(
        _(
            "Demo patrols: %(patrols)d patrols in %(grids)d grids, %(places)d key places, "
            "%(inspections)d inspections and %(rectifications)d rectifications "
            "(%(overdue)d overdue) added."
        )
        % {
            "patrols": patrols.count(),
            "grids": patrols.values("grid").distinct().count(),
            "places": Place.objects.filter(street=street).count(),
            "inspections": Inspection.objects.filter(street=street).count(),
            "rectifications": rectifications.count(),
            "overdue": services.overdue_count(on=demo.today),
        }
    )
