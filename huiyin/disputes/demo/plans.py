"""The quarter of disputes, planned day by day before anything is written.

A :class:`Plan` is one dispute: what registration is given, then its steps (the petitions
demo's :class:`~huiyin.petitions.demo.Step`, moved on by its :class:`~huiyin.petitions.demo.Course`:
office work on working days, nothing after today, each step on or after the one before). The
set pieces are placed by age so that they exist whatever the day of loading — the labour
dispute past its 15 days, the court's period still running, the agreement inside its 30-day
confirmation window — and the rest is drawn from a seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from huiyin.cases import deadlines
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, Category
from huiyin.disputes.demo import texts as t
from huiyin.disputes.models import Agreement, JudicialConfirmation, Manner, Performance, Source
from huiyin.disputes.models import Transfer as T
from huiyin.org.models import Community, Grid
from huiyin.petitions.demo import ESTATES, PERIOD_DAYS, Course, People, Step

SEED = 20260402
BACKGROUND = 46  # disputes drawn at random besides the set pieces

MEDIATOR, GOVERNANCE, GRID_WORKER = "mediator", "governance", "grid1"
#: The community workers who mediate in their own communities' committees.
COMMUNITY_WORKERS = {"柑子园社区": "community1", "翠屏路社区": "community2"}
#: The grid the grid worker account works in: (community, grid order).
GRID_WORKER_GRID = ("柑子园社区", 1)
#: The grids with a mediation group of their own (网格调解小组).
GRID_GROUPS = (("柑子园社区", 1), ("柑子园社区", 3), ("翠屏路社区", 2), ("北辰社区", 1))
#: The enterprise with its own committee (企业调委会), and where it is.
UNIT = ("惠美家公司", "果丰社区")
STREET_KEY, UNIT_KEY = "street", "unit"


# --------------------------------------------------------------------------- references


@dataclass(frozen=True)
class PartyRef:
    """The index-th party of the plan (the order they were registered in)."""

    index: int


@dataclass(frozen=True)
class Mediators:
    """`count` active mediators of a committee, those with an account first."""

    committee: str
    count: int = 1


@dataclass(frozen=True)
class CommitteeRef:
    key: str


@dataclass(frozen=True)
class UnitRef:
    name: str


@dataclass(frozen=True)
class TermRef:
    """The index-th performance term of the current agreement."""

    index: int


@dataclass(frozen=True)
class Sign:
    """Signatures made on the step's day: of these party indexes (None: every party), the
    mediator's and the seal as flagged."""

    parties: tuple[int, ...] | None = None
    mediator: bool = True
    seal: bool = True


def committee_key(community: str | None = None, grid: int | None = None) -> str:
    if community is None:
        return STREET_KEY
    return f"g:{community}/{grid}" if grid is not None else f"c:{community}"


# --------------------------------------------------------------------------- plans


@dataclass
class Plan:
    key: int
    received_on: date
    source: str
    kind: str
    matter: t.Matter
    community: Community
    grid: Grid | None
    committee: str
    recorder: str  # who records the mediation steps
    registrar: str  # who registers it
    text: dict  # title, description, facts, claims, amount text
    parties: list[dict]
    people_count: int
    amount: Decimal | None
    court: dict = field(default_factory=dict)
    petition: Case | None = None
    found_at: datetime | None = None  # found in screening: the report's moment
    handling: str = ""  # the committee handling it now, when it was escalated
    steps: list[Step] = field(default_factory=list)
    case: Case | None = None


class Planner:
    def __init__(
        self,
        *,
        today: date,
        now: datetime,
        communities: list[Community],
        grids: dict[int, list[Grid]],
        categories: dict[str, Category],
        people: People,
        petition: Case | None = None,
        avoid_grids: frozenset[tuple[str, int]] = frozenset(),
    ):
        self.today, self.now = today, now
        self.start = today - timedelta(days=PERIOD_DAYS - 1)
        self.communities = {c.name: c for c in communities}
        self.grids = grids
        self.categories, self.people, self.petition = categories, people, petition
        self.avoid_grids = avoid_grids
        self.rng = random.Random(SEED)
        self.calendar = deadlines.current_calendar()
        self.plans: list[Plan] = []
        self._numbers: dict[str, int] = {}

    # ----------------------------------------------------------------- days (as the petitions')

    def working(self, d: date) -> bool:
        return self.calendar.is_working_day(d)

    def next_working_day(self, d: date) -> date:
        while not self.working(d):
            d += timedelta(days=1)
        return d

    def working_day_near(self, d: date) -> date:
        back = d
        while not self.working(back):
            back -= timedelta(days=1)
        if back >= self.start:
            return back
        return self.next_working_day(d)

    def ago(self, days: int) -> date:
        return self.working_day_near(self.today - timedelta(days=days))

    def due(self, code: str, start: date) -> date:
        return deadlines.limit(code).due(start).date

    # ----------------------------------------------------------------- a new dispute

    def grid(self, community: str, order: int) -> Grid:
        return next(g for g in self.grids[self.communities[community].pk] if g.order == order)

    def new(
        self,
        on: date,
        kind: str,
        *,
        committee: str,
        source: str = Source.APPLICATION,
        matter: int | None = None,
        community: str | None = None,
        recorder: str | None = None,
        registrar: str | None = None,
        **extra,
    ) -> Plan:
        rng = self.rng
        matters = t.MATTERS[kind][1]
        m = matters[matter] if matter is not None else rng.choice(matters)
        grid = None
        if committee.startswith("g:"):
            name, _sep, order = committee[2:].partition("/")
            community, grid = name, self.grid(name, int(order))
        elif committee.startswith("c:"):
            community = committee[2:]
        elif committee == UNIT_KEY:
            community = UNIT[1]
        if community is None:
            community = rng.choice(sorted(self.communities))
        comm = self.communities[community]
        if grid is None and self.grids.get(comm.pk):
            grid = rng.choice(self.grids[comm.pk])
        estate = rng.choice(ESTATES.get(community, ["浓洄路"]))
        amount = None
        if m.amount:
            amount = Decimal(rng.randrange(m.amount[0], m.amount[1] + 1, 100))
        fill = {"estate": estate, "amount": f"{amount:,.0f}" if amount else ""}
        title = m.title.format(**fill)
        parties = [self.person(community, "a")]
        if kind in ("婚姻家庭", "欠薪") and rng.random() < 0.5:
            parties.append(self.person(community, "a"))
        if committee == UNIT_KEY and kind in ("劳动争议", "欠薪"):
            parties.append(self.organisation(UNIT[0], community))
        elif m.other:
            parties.append(self.organisation(m.other, community))
        else:
            parties.append(self.person(community, "b"))
        plan = Plan(
            key=len(self.plans),
            received_on=on,
            source=source,
            kind=kind,
            matter=m,
            community=comm,
            grid=grid,
            committee=committee,
            recorder=recorder or self.recorder_for(committee),
            registrar=registrar or recorder or self.recorder_for(committee),
            text={
                "title": title,
                "facts": m.facts,
                "claims": m.claims,
                "terms": m.terms.format(**fill),
                "perf": tuple(p.format(**fill) for p in m.perf),
                "oral": m.oral,
                "description": f"{m.facts}{m.claims}。",
            },
            parties=parties,
            people_count=max(len(parties), rng.randint(*m.people)),
            amount=amount,
            **extra,
        )
        self.plans.append(plan)
        return plan

    def recorder_for(self, committee: str) -> str:
        for name, worker in COMMUNITY_WORKERS.items():
            if committee == f"c:{name}" or committee.startswith(f"g:{name}/"):
                return worker
        return MEDIATOR

    def person(self, community: str, side: str) -> dict:
        p = self.people.take(community)
        return {
            "side": side,
            "name": p.name,
            "id_number": p.id_number,
            "phone": p.phone,
            "address": p.address,
        }

    def organisation(self, name: str, community: str) -> dict:
        rng = self.rng
        return {
            "side": "b",
            "kind": "organisation",
            "name": name,
            "phone": f"{t.ORG_LANDLINE}-{rng.randint(2000000, 8999999)}",
            "address": f"浓洄街道{community}{rng.choice(ESTATES.get(community, ['浓洄路']))}"
            f"{rng.randint(1, 60)}号",
            "legal_representative": self.people.take(community).name,
        }

    def court_number(self, kind: str, on: date) -> str:
        last = self._numbers.get(kind, self.rng.randint(80, 400))
        self._numbers[kind] = last + self.rng.randint(5, 40)
        return f"（{on.year}）川1602{kind}{self._numbers[kind]}号"

    def place(self, plan: Plan, committee: str | None = None) -> str:
        key = committee or plan.handling or plan.committee
        if key in t.PLACES:
            return t.PLACES[key]
        if key.startswith("g:"):
            return f"{plan.community.name}{plan.grid.name}网格服务站"
        return f"{plan.community.name}党群服务中心调解室"

    # ----------------------------------------------------------------- the steps of a mediation

    def begin(self, c: Course, plan: Plan, *, refuse: bool = False, mediators: int = 0) -> bool:
        """Consent of each party (or the refusal), their rights, the mediators, the start."""
        rng, r = self.rng, plan.recorder
        if plan.source != Source.PETITION:  # turned from a petition: consent came with it
            for i, party in enumerate(plan.parties):
                gap = 0 if i == 0 else rng.randint(0, 2)
                if refuse and party["side"] == "b":
                    c.then(
                        gap,
                        "refuse",
                        r,
                        party=PartyRef(i),
                        manner=Manner.IN_PERSON,
                        note=t.REFUSAL,
                        routes_manner=Manner.WRITTEN,
                        routes_text=t.ROUTES,
                    )
                    return False
                if not c.then(gap, "consent", r, party=PartyRef(i), manner=Manner.IN_PERSON):
                    return False
        if not c.then(0, "tell_rights", r, manner=Manner.WRITTEN):
            return False
        count = mediators or (2 if plan.committee == STREET_KEY else rng.choice([1, 1, 2]))
        c.then(
            0,
            "assign_mediators",
            r,
            mediators=Mediators(plan.committee, count),
            committee=CommitteeRef(plan.committee),
            chosen_by="parties" if rng.random() < 0.2 else "committee",
        )
        return c.then(rng.randint(0, 1), "start_mediation", r)

    def sessions(self, c: Course, plan: Plan, count: int, *, first_gap: int = 1) -> bool:
        rng = self.rng
        for n in range(count):
            invite = {}
            if n == 1 and rng.random() < 0.25:
                invite = {"invitees": "社区网格员、楼栋长", "invitees_consented": True}
            gap = first_gap if n == 0 else rng.randint(2, 6)
            summary = t.SESSIONS[min(n, len(t.SESSIONS) - 2)]
            if not c.then(gap, "record_session", plan.recorder, place=self.place(plan),
                          summary=summary, **invite):  # fmt: skip
                return False
        return True

    def written(
        self,
        c: Course,
        plan: Plan,
        *,
        due: tuple[int, ...] = (),
        sign_later: bool = False,
        at: date | None = None,
    ) -> date | None:
        """The written agreement (art. 29), reached `at` (or in a few days); effective at once,
        or once side B signs later. Returns the day it took effect, or None when that is still
        to come."""
        rng = self.rng
        if at is not None:
            on = max(c.day, self.working_day_near(at)) if c.open else None
            if on is not None and on > self.today:
                c.open, on = False, None
        else:
            on = c.when(rng.randint(1, 3))
        if on is None:
            return None
        terms = [
            {"term": term, "due_on": on + timedelta(days=due[i] if i < len(due) else 10 + 15 * i)}
            for i, term in enumerate(plan.text["perf"])
        ]
        sides_a = tuple(i for i, p in enumerate(plan.parties) if p["side"] == "a")
        sides_b = tuple(i for i, p in enumerate(plan.parties) if p["side"] == "b")
        c.at(
            on,
            "record_agreement",
            plan.recorder,
            form=Agreement.Form.WRITTEN,
            facts_and_issues=f"{plan.text['facts']}争议焦点：{plan.text['claims']}。",
            responsibilities=rng.choice(t.RESPONSIBILITIES),
            terms=plan.text["terms"],
            performance_manner=rng.choice(t.PAY_MANNER),
            performance_place=self.place(plan),
            performance=terms,
            signatures=Sign(sides_a, seal=False) if sign_later else Sign(),
        )
        if sign_later:
            return c.day if c.then(rng.randint(1, 3), "sign_agreement", plan.recorder,
                                   signatures=Sign(sides_b, mediator=False)) else None  # fmt: skip
        return on

    def perform(self, c: Course, plan: Plan, results: tuple[str, ...] = (), followup=True) -> None:
        """Check each term on (or after) its due date, close, and visit afterwards."""
        rng = self.rng
        agreement = next(s for s in reversed(plan.steps) if s.action == "record_agreement")
        notes = []
        for i, term in enumerate(agreement.payload["performance"]):
            result = results[i] if i < len(results) else Performance.Result.PERFORMED
            check = self.next_working_day(term["due_on"] + timedelta(days=rng.randint(0, 2)))
            note = {"partly": t.PARTLY_NOTE, "not_performed": t.UNPAID_WAGES_NOTE}.get(result, "")
            if not c.at(check, "record_performance", plan.recorder, term=TermRef(i),
                        result=result, note=note):  # fmt: skip
                return
            notes.append(note)
        note = next((n for n in notes if n), "")
        if c.then(rng.randint(0, 3), "close", plan.recorder, note=note) and followup:
            c.beside(rng.randint(5, 20), "record_followup", plan.recorder,
                     note=rng.choice(t.FOLLOW_UPS), manner=Manner.PHONE)  # fmt: skip

    def oral(self, c: Course, plan: Plan) -> None:
        rng = self.rng
        agreed = c.then(rng.randint(1, 4), "record_agreement", plan.recorder,
                        form=Agreement.Form.ORAL, content=plan.text["oral"])  # fmt: skip
        if agreed and c.then(rng.randint(0, 2), "close", plan.recorder) and rng.random() < 0.5:
            c.beside(rng.randint(5, 20), "record_followup", plan.recorder,
                     note=rng.choice(t.FOLLOW_UPS), manner=Manner.PHONE)  # fmt: skip

    def fail(self, c: Course, plan: Plan) -> None:
        c.then(self.rng.randint(2, 6), "fail", plan.recorder, reason=self.rng.choice(t.FAIL_REASONS),
               routes_manner=Manner.WRITTEN, routes_text=t.ROUTES)  # fmt: skip

    def transfer(self, c: Course, plan: Plan, body_kind: str, body: str = "", result: str = "",
                 department: str | None = None) -> None:  # fmt: skip
        extra = {"department": UnitRef(department)} if department else {"body": body}
        if c.then(self.rng.randint(1, 4), "transfer", GOVERNANCE, body_kind=body_kind,
                  note="经评估，该纠纷宜由其他机构处理，已征得当事人同意移交。", **extra) and result:  # fmt: skip
            c.beside(self.rng.randint(4, 12), "transfer_result", GOVERNANCE, result=result)

    def confirm(self, c: Course, plan: Plan, result: str) -> bool:
        if not c.then(self.rng.randint(2, 6), "apply_confirmation", plan.recorder, court=t.COURT):
            return False
        note = t.CONFIRM_REJECTED if result == JudicialConfirmation.Result.REJECTED else ""
        return c.then(self.rng.randint(5, 12), "record_confirmation", plan.recorder,
                      result=result, note=note)  # fmt: skip

    # ----------------------------------------------------------------- every outcome, by age

    def run(self, plan: Plan, outcome: str) -> Course:
        """A mediation from registration to `outcome` (as far as today allows)."""
        rng = self.rng
        c = Course(self, plan)
        if outcome == "registered":
            for i in range(rng.randint(0, 1)):
                c.then(0, "consent", plan.recorder, party=PartyRef(i), manner=Manner.PHONE)
            return c
        if not self.begin(c, plan, refuse=outcome == "refused") or outcome == "refused":
            return c
        if not self.sessions(c, plan, rng.choice([1, 1, 2, 2, 3])) or outcome == "mediating":
            return c
        if outcome == "written":
            if self.written(c, plan, due=(rng.randint(5, 20), rng.randint(25, 45))):
                self.perform(c, plan)
        elif outcome == "oral":
            self.oral(c, plan)
        elif outcome == "failed":
            self.fail(c, plan)
        elif outcome == "transferred":
            self.transfer(c, plan, T.Body.COURT, t.COURT, T.Result.ACCEPTED)
        return c

    def outcome_for(self, age: int) -> str:
        names = ("registered", "mediating", "written", "oral", "failed", "refused", "transferred")
        weights = {
            age <= 3: (50, 50, 0, 0, 0, 0, 0),
            4 <= age <= 14: (0, 40, 25, 25, 4, 6, 0),
            15 <= age <= 45: (0, 10, 40, 32, 8, 5, 5),
            age > 45: (0, 5, 46, 32, 8, 5, 4),
        }[True]
        return self.rng.choices(names, weights)[0]

    def background(self) -> None:
        rng = self.rng
        kinds = list(t.MATTERS)
        weights = [t.MATTERS[k][0] for k in kinds]
        ages = sorted((rng.randrange(PERIOD_DAYS) for _ in range(BACKGROUND)), reverse=True)
        for age in ages:
            kind = rng.choices(kinds, weights)[0]
            roll = rng.random()
            if kind in ("劳动争议", "欠薪") and roll < 0.4:
                committee = UNIT_KEY
            elif roll < 0.22:
                committee = STREET_KEY
            elif roll < 0.40:
                committee = committee_key(*rng.choice(GRID_GROUPS))
            else:
                committee = committee_key(rng.choice(sorted(self.communities)))
            source = rng.choices(
                [Source.APPLICATION, Source.INITIATIVE, Source.OTHER], [66, 30, 4]
            )[0]
            plan = self.new(self.ago(age), kind, committee=committee, source=source)
            self.run(plan, self.outcome_for(age))

    def plan(self) -> list[Plan]:
        from huiyin.disputes.demo import pieces

        pieces.set_pieces(self)
        self.background()
        self.plans.sort(key=lambda p: (p.received_on, p.key))
        return self.plans


def moment(day: date, now: datetime, rng: random.Random) -> datetime:
    """An afternoon moment of `day`, never later than now."""
    at = datetime.combine(day, time(15, rng.randint(0, 59)), tzinfo=CHINA_TZ)
    return min(at, now - timedelta(minutes=rng.randint(5, 60)))
