"""Building disputes for tests: committees and mediators as an administrator enters them, and
disputes through the real services and workflow, as a mediator would.

    from huiyin.disputes.tests import factories as df

    committee = df.committee(community)
    mediator = df.mediator(committee, staff=personas[Role.MEDIATOR].staff)
    case = df.register(personas[Role.GOVERNANCE_STAFF], community=community)
    case = df.bring_to(case, "agreed", personas)            # through every step before it
    case = df.step(case, "record_followup", mediator_user, note="双方满意")
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, Category, Clock
from huiyin.cases.workflow import fire
from huiyin.disputes import services
from huiyin.disputes.models import Committee, Dispute, Mediator, Party, Tier
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import ID_1, ID_2, PHONE_1, PHONE_2, make_id

__all__ = [
    "ID_1",
    "ID_2",
    "PHONE_1",
    "PHONE_2",
    "bring_to",
    "committee",
    "days_ago",
    "dispute_type",
    "make_id",
    "mediator",
    "organisation",
    "path_to",
    "person",
    "refresh",
    "register",
    "running",
    "step",
    "written_agreement",
]


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def dispute_type(name: str) -> Category:
    """A type of the seeded tree (婚姻家庭, 劳动争议, 欠薪 ...). A browser test's live server
    empties the database afterwards, migration rows included: the tree is made again if so."""
    from huiyin.disputes.types import ensure_default_types

    ensure_default_types()
    return Category.objects.get(kind=Kind.DISPUTE, name=name)


def committee(place=None, *, tier: str | None = None, name: str | None = None, street=None):
    """A committee: of a community (the default for a Community), a grid (for a Grid), a unit
    (for a Unit), or of the street (no place)."""
    from huiyin.org.models import Community, Grid, Unit
    from huiyin.testing.factories import StreetFactory

    fields: dict = {}
    if isinstance(place, Grid):
        tier = tier or Tier.GRID
        fields.update(grid=place, community=place.community, street=place.community.street)
    elif isinstance(place, Community):
        tier = tier or Tier.COMMUNITY
        fields.update(community=place, street=place.street)
    elif isinstance(place, Unit):
        tier = tier or Tier.UNIT
        fields.update(unit=place, street=place.street)
    else:
        tier = tier or Tier.STREET
        fields["street"] = street or StreetFactory()
    label = {
        Tier.GRID: "网格调解小组",
        Tier.COMMUNITY: "人民调解委员会",
        Tier.UNIT: "人民调解委员会",
        Tier.STREET: "街道人民调解委员会",
        Tier.DISTRICT: "区人民调解委员会",
    }[tier]
    default_name = f"{getattr(place, 'name', '')}{label}" if place is not None else label
    return Committee.objects.create(tier=tier, name=name or default_name, **fields)


def mediator(
    committee: Committee, *, name: str = "李调解", staff=None, term_start: date | None = None
) -> Mediator:
    return Mediator.objects.create(
        committee=committee,
        name=name,
        staff=staff,
        term_start=term_start or date(2024, 1, 1),
    )


def person(name="张三", side="a", *, id_number=ID_1, phone=PHONE_1, **extra) -> dict:
    return {
        "side": side,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "address": "翠屏路12号",
        **extra,
    }


def organisation(name="宏达建筑劳务有限公司", side="b", **extra) -> dict:
    return {
        "side": side,
        "kind": Party.PartyKind.ORGANISATION,
        "name": name,
        "address": "南岸区工业园3号",
        "phone": "0831-2345678",
        "legal_representative": "王五",
        **extra,
    }


def register(actor, **data) -> Case:
    """A neighbours' dispute registered by `actor`, received 20 days ago unless told otherwise,
    with one party on each side."""
    data.setdefault("title", "楼上漏水致楼下墙面受损")
    data.setdefault("description", "楼上卫生间漏水，楼下墙面发霉，双方协商未果。")
    data.setdefault("community", None)
    data.setdefault("source", "application")
    data.setdefault("received_on", days_ago(20))
    if "parties" not in data:
        data["parties"] = [
            person("张三", "a"),
            person("李四", "b", id_number=ID_2, phone=PHONE_2),
        ]
    return services.register_dispute(actor, **data)


def refresh(case: Case) -> Case:
    return Case.objects.select_related("dispute").get(pk=case.pk)


def step(case: Case, name: str, actor, **payload) -> Case:
    case = Case.objects.get(pk=case.pk)
    return fire(case, name, actor=actor, version=case.version, **payload)


def running(case: Case, code: str) -> Clock | None:
    return Clock.objects.filter(case=case, code=code, stopped_at__isnull=True).first()


def parties(case: Case) -> list[Party]:
    return list(Party.objects.filter(dispute_id=case.pk).order_by("side", "order", "id"))


def written_agreement(case: Case, *, on: date | None = None, sign: bool = True, **extra) -> dict:
    """The payload of a complete written agreement (art. 29), signed and sealed on `on`."""
    on = on or timezone.localdate()
    payload = {
        "form": "written",
        "reached_on": on,
        "facts_and_issues": "楼上卫生间防水层破损漏水，楼下墙面发霉；争议在于维修与赔偿。",
        "responsibilities": "楼上住户承担主要责任。",
        "terms": "楼上住户修复防水层并赔偿楼下墙面修复费用2000元。",
        "performance_manner": "现金支付，修复由楼上住户自行组织。",
        "performance_place": "柑子园社区人民调解委员会",
        "performance": [{"term": "赔偿墙面修复费用2000元", "due_on": on + timedelta(days=10)}],
    }
    if sign:
        payload.update(
            signatures={p.pk: on for p in parties(case)},
            mediator_signed_on=on,
            sealed_on=on,
        )
    payload.update(extra)
    return payload


def _mediators(case: Case) -> list[Mediator]:
    """A mediator of the dispute's committee (made, with one, when there is none)."""
    dispute = Dispute.objects.select_related("committee").get(pk=case.pk)
    found = dispute.committee
    if found is None:
        found = Committee.objects.filter(street_id=case.street_id, active=True).first()
    if found is None:
        found = committee(street=case.street)
    existing = list(found.mediators.filter(active=True)[:1])
    return existing or [mediator(found)]


def path_to(state: str, case: Case) -> list[tuple[str, str, dict]]:
    """The way through the workflow to `state`, as (transition, role, payload) steps."""
    mediate, screen = Role.MEDIATOR, Role.GOVERNANCE_STAFF
    a, b = parties(case)[0], parties(case)[-1]
    today = timezone.localdate()
    to_mediating = [
        ("consent", mediate, {"party": a.pk}),
        ("consent", mediate, {"party": b.pk}),
        ("tell_rights", mediate, {}),
        ("assign_mediators", screen, {"mediators": [m.pk for m in _mediators(case)]}),
        ("start_mediation", mediate, {}),
    ]
    session = (
        "record_session",
        mediate,
        {"place": "社区调解室", "summary": "双方陈述，初步达成意向。"},
    )
    agreed = [*to_mediating, session, ("record_agreement", mediate, written_agreement(case))]
    paths = {
        "registered": [],
        "mediating": to_mediating,
        "agreed": agreed,
        "performing": [
            *agreed,
            ("record_performance", mediate, {"term": "FIRST_TERM", "result": "partly"}),
        ],
        "closed": [
            *agreed,
            ("record_performance", mediate, {"term": "FIRST_TERM", "result": "performed"}),
            ("close", mediate, {}),
        ],
        "failed": [
            *to_mediating,
            (
                "fail",
                mediate,
                {"reason": "双方分歧过大", "routes_manner": "in_person", "routes_told_on": today},
            ),
        ],
        "refused": [("refuse", mediate, {"party": b.pk})],
        "transferred": [("transfer", screen, {"body_kind": "administrative", "body": "区住建委"})],
    }
    return paths[state]


def bring_to(case: Case, state: str, personas) -> Case:
    """Take `case` to `state` through the real workflow (see :func:`path_to`)."""
    from huiyin.disputes.models import Performance

    for name, role, payload in path_to(state, case):
        if payload.get("term") == "FIRST_TERM":
            payload = {
                **payload,
                "term": Performance.objects.filter(agreement__dispute_id=case.pk)
                .order_by("id")
                .first()
                .pk,
            }
        case = step(case, name, personas[role], **payload)
    assert case.status == state, (case.status, state)
    return case
