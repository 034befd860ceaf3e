"""Writing the demo: the committees and their mediators as an administrator enters them, then
each planned dispute through the real services (registration, the screening report that found
it, the petition it came from, and one service call per mediation step)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.disputes import services
from huiyin.disputes.demo import texts as t
from huiyin.disputes.demo.plans import (
    COMMUNITY_WORKERS,
    GRID_GROUPS,
    MEDIATOR,
    STREET_KEY,
    UNIT,
    UNIT_KEY,
    CommitteeRef,
    Mediators,
    PartyRef,
    Plan,
    Sign,
    TermRef,
    UnitRef,
    committee_key,
)
from huiyin.disputes.models import (
    Committee,
    Dispute,
    Mediator,
    MediatorTraining,
    Party,
    Source,
    Tier,
)
from huiyin.disputes.types import ensure_default_types
from huiyin.org.demo_times import happened, working_moment
from huiyin.org.models import Community, Grid, Street, Unit
from huiyin.petitions.demo import People, Step
from huiyin.screening import demo as screening_demo

#: The mediators each committee has besides those with an account.
MEDIATOR_COUNT = {"street": 3, "community": 2, "grid": 2, "unit": 2}

# --------------------------------------------------------------------------- committees


def load_committees(street: Street, users: dict[str, User], people: People, today: date) -> dict:
    """The street's committee (in the 综治中心), one per community, the grid groups and the
    enterprise's; their mediators with three-year terms, one whose term ended, and the
    trainings they attended. Returns {key: Committee}. Idempotent (by name)."""
    places: list[tuple[str, dict]] = [
        (STREET_KEY, {"name": f"{street.name}人民调解委员会", "tier": Tier.STREET})
    ]
    communities = {c.name: c for c in Community.objects.filter(street=street)}
    for name, community in sorted(communities.items(), key=lambda kv: kv[1].order):
        places.append(
            (
                committee_key(name),
                {"name": f"{name}人民调解委员会", "tier": Tier.COMMUNITY, "community": community},
            )
        )
    for name, order in GRID_GROUPS:
        grid = Grid.objects.get(community=communities[name], order=order)
        places.append(
            (
                committee_key(name, order),
                {"name": f"{name}{grid.name}调解小组", "tier": Tier.GRID, "grid": grid},
            )
        )
    unit = Unit.objects.get(street=street, name=UNIT[0])
    places.append(
        (UNIT_KEY, {"name": f"{unit.name}人民调解委员会", "tier": Tier.UNIT, "unit": unit})
    )
    linked = {STREET_KEY: users[MEDIATOR]}
    for name, username in COMMUNITY_WORKERS.items():
        if username in users:
            linked[committee_key(name)] = users[username]
    term = (date(today.year - 1, 1, 1), date(today.year + 1, 12, 31))
    committees: dict[str, Committee] = {}
    for order, (key, fields) in enumerate(places, start=1):
        committee, created = Committee.objects.get_or_create(
            street=street, name=fields.pop("name"), defaults={**fields, "order": order}
        )
        committees[key] = committee
        if not created:
            continue
        user = linked.get(key)
        if user is not None:
            Mediator.objects.create(
                committee=committee,
                name=user.staff.name,
                staff=user.staff,
                term_start=term[0],
                term_end=term[1],
            )
        for _n in range(MEDIATOR_COUNT[committee.tier]):
            Mediator.objects.create(
                committee=committee,
                name=people.take(committee.community.name if committee.community else "").name,
                term_start=term[0],
                term_end=term[1],
            )
    street_committee = committees[STREET_KEY]
    if not street_committee.mediators.filter(active=False).exists():
        Mediator.objects.create(
            committee=street_committee,
            name=people.take("").name,
            term_start=date(today.year - 4, 1, 1),
            term_end=date(today.year - 2, 12, 31),
            active=False,
        )
    if not MediatorTraining.objects.filter(mediator__committee__street=street).exists():
        trained = list(Mediator.objects.filter(committee__street=street, active=True))
        for index, (title, hours, age) in enumerate(t.TRAININGS):
            for mediator in trained[index::2]:
                MediatorTraining.objects.create(
                    mediator=mediator,
                    on=today - timedelta(days=age),
                    title=title,
                    hours=Decimal(hours),
                )
    return committees


# --------------------------------------------------------------------------- the disputes

#: The step → the service that takes it (the dispute workflow's transitions, one each).
SERVICES = {
    "consent": services.record_consent,
    "refuse": lambda case, actor, **kw: services.record_consent(case, actor, agreed=False, **kw),
    "tell_rights": services.tell_rights,
    "assign_mediators": services.assign_mediators,
    "start_mediation": services.start_mediation,
    "record_session": services.record_session,
    "note_risk": services.note_risk,
    "report_to_police": services.report_to_police,
    "police_answer": services.record_police_answer,
    "escalate": services.escalate,
    "extend_court_period": services.extend_court_period,
    "transfer": services.transfer,
    "transfer_result": services.record_transfer_result,
    "record_agreement": services.record_agreement,
    "sign_agreement": services.sign_agreement,
    "record_performance": services.record_performance,
    "close": services.close_dispute,
    "fail": services.fail_with_notice,
    "apply_confirmation": services.apply_confirmation,
    "record_confirmation": services.record_confirmation,
    "mediate_again": services.mediate_again,
    "record_followup": services.record_followup,
}

#: The payload key that carries the day of each dated step.
DATE_KEY = {
    "consent": "on",
    "refuse": "on",
    "tell_rights": "on",
    "start_mediation": "started_on",
    "record_session": "on",
    "note_risk": "noted_on",
    "report_to_police": "reported_on",
    "police_answer": "answered_on",
    "escalate": "on",
    "extend_court_period": "consented_on",
    "transfer": "on",
    "transfer_result": "result_on",
    "record_agreement": "reached_on",
    "record_performance": "checked_on",
    "close": "closed_on",
    "fail": "ended_on",
    "apply_confirmation": "applied_on",
    "record_confirmation": "result_on",
    "mediate_again": "started_on",
    "record_followup": "on",
}


class Loader:
    """Runs the plans through the services, each dispute's steps in the order of their days."""

    def __init__(self, users: dict[str, User], committees: dict[str, Committee], street: Street):
        self.users, self.committees, self.street = users, committees, street
        self.mediators = {
            key: sorted(
                (m for m in c.mediators.all() if m.active),
                key=lambda m: (m.staff_id is None, m.pk),
            )
            for key, c in committees.items()
        }
        self.units = {u.name: u for u in Unit.objects.filter(street=street)}
        ensure_default_types()
        self.categories = {c.name: c for c in Category.objects.filter(kind=Kind.DISPUTE)}
        self._parties: dict[int, list] = {}
        self.bodies = None  # the screening bodies, read when the first found dispute comes

    def run(self, plans: list[Plan]) -> None:
        for plan in plans:
            # Each step's timeline events at the moment it took place (see demo_times):
            # registration in office hours of the day received (or the screening report's
            # moment), each later step in office hours of its own day, in order.
            with happened(plan.found_at or working_moment(plan.received_on, plan.key)):
                self.register(plan)
            steps = sorted(enumerate(plan.steps), key=lambda item: (item[1].on, item[0]))
            for order, (_index, step) in enumerate(steps, start=1):
                with happened(working_moment(step.on, plan.key, order)):
                    self.do(plan, step)

    # ----------------------------------------------------------------- registration

    def register(self, plan: Plan) -> None:
        committee = self.committees[plan.committee]
        common = {
            "facts": plan.text["facts"],
            "claims": plan.text["claims"],
            "amount": plan.amount,
            "people_count": plan.people_count,
        }
        if plan.source == Source.PETITION:
            plan.case = services.petition_to_dispute(
                plan.petition,
                self.users["governance"],
                parties=plan.parties,
                consented_on=plan.received_on,
                received_on=plan.received_on,
                category=self.category(plan),
                tier=committee.tier,
                committee=committee,
                **common,
            )
        elif plan.source == Source.SCREENING:
            plan.case = self.found(plan)
            for party in plan.parties:
                services.add_party(plan.case, self.users[plan.recorder], **party)
        else:
            plan.case = services.register_dispute(
                self.users[plan.registrar],
                title=plan.text["title"],
                description=plan.text["description"],
                community=plan.community,
                grid=plan.grid,
                category=self.category(plan),
                source=plan.source,
                received_on=plan.received_on,
                parties=plan.parties,
                tier=committee.tier,
                committee=committee,
                **plan.court,
                **common,
            )

    def category(self, plan: Plan):
        return self.categories[plan.kind]

    def found(self, plan: Plan):
        """Registered from the screening report of its grid for that week."""
        if self.bodies is None:
            self.bodies = screening_demo.demo_bodies(
                self.street, self.users, plan.received_on, plan.received_on
            )
        body = screening_demo.body_for(
            self.bodies, community_id=plan.community.pk, grid_id=plan.grid.pk
        )
        return screening_demo.file_found(
            self.users,
            body,
            found_on=plan.received_on,
            moment=plan.found_at,
            title=plan.text["title"],
            description=plan.text["description"],
            category=self.category(plan),
            people_count=plan.people_count,
        )

    # ----------------------------------------------------------------- steps

    def do(self, plan: Plan, step: Step) -> None:
        payload = {key: self.resolve(plan, step, value) for key, value in step.payload.items()}
        if step.action in DATE_KEY:
            payload.setdefault(DATE_KEY[step.action], step.on)
        if "routes_manner" in payload:
            payload.setdefault("routes_told_on", step.on)
        if step.action == "report_to_police" and payload.get("answer"):
            payload.setdefault("answered_on", step.on)
        sign = step.payload.get("signatures")
        if isinstance(sign, Sign):
            if sign.mediator:
                payload["mediator_signed_on"] = step.on
            if sign.seal:
                payload["sealed_on"] = step.on
        actor = self.users[step.actor]
        plan.case = SERVICES[step.action](plan.case, actor, **payload)

    def resolve(self, plan: Plan, step: Step, value):
        if isinstance(value, PartyRef):
            return self.parties(plan)[value.index]
        if isinstance(value, Mediators):
            return self.mediators[value.committee][: value.count]
        if isinstance(value, CommitteeRef):
            return self.committees[value.key]
        if isinstance(value, UnitRef):
            return self.units[value.name]
        if isinstance(value, TermRef):
            agreement = Dispute.objects.get(pk=plan.case.pk).current_agreement()
            return agreement.performances.order_by("order", "id")[value.index]
        if isinstance(value, Sign):
            parties = self.parties(plan)
            chosen = parties if value.parties is None else [parties[i] for i in value.parties]
            return {party.pk: step.on for party in chosen}
        return value

    def parties(self, plan: Plan) -> list:
        """The plan's parties in the order registered (none is added once mediation starts)."""
        if plan.key not in self._parties:
            rows = Party.objects.filter(dispute_id=plan.case.pk).order_by("order", "id")
            self._parties[plan.key] = list(rows)
        return self._parties[plan.key]
