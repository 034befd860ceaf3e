"""A hand-counted street for the assessment's tests.

Period: the last 30 days up to today (the reference day is today: "overdue" is a due date
before today).

| petition | community | handling                                  | reply's legal basis |
|----------|-----------|-------------------------------------------|---------------------|
| p1       | 柑子园     | replied on time, by 城建办                  | yes                 |
| p2       | 柑子园     | replied on time, by 城建办                  | no                  |
| p3       | 柑子园     | registered, its time limit passed: overdue | —                   |
| p4       | 柑子园     | replied late, by 城建办                      | yes                 |
| p5       | 柑子园     | replied on time, by 城建办                  | yes                 |
| p6       | 翠屏路     | replied on time, by 城建办                  | yes                 |

柑子园: on time 3 of 5 owed (0.6), 1 overdue, 1 late, replies with basis 3 of 4 (0.75).
翠屏路: on time 1 of 1, replies with basis 1 of 1.
城建办 (owns every replied petition): on time 4 of 5 (0.8), none overdue, 1 late, replies with
basis 4 of 5 (0.8).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from huiyin.assessment.models import Method, Scheme, SchemeItem, SchemeStatus
from huiyin.cases.models import Case, Clock
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step
from huiyin.reports.stats import Period


def replied(petition, personas, unit, *, basis: str = "《信访工作条例》第三十二条"):
    clerk, handler = personas[Role.PETITION_CLERK], personas[Role.DEPARTMENT_HANDLER]
    case = petition.case
    case = step(case, "accept", clerk)
    case = step(case, "assign", clerk, unit=unit)
    case = step(case, "start_handling", handler)
    payload = {"text": "经核查，已责令整改。", "delivery": "in_person"}
    if basis:
        payload["basis"] = basis
    return step(case, "reply", handler, **payload)


def make_overdue(petition) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    petition.case.clocks.filter(stopped_at=None).update(due_on=yesterday)
    Case.objects.filter(pk=petition.case.pk).update(due_on=yesterday)


@pytest.fixture
def period() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=30), today)


@pytest.fixture
def handled(personas, community, other_community, unit):
    clerk = personas[Role.PETITION_CLERK]
    p = {}
    for name in ("p1", "p2", "p3", "p4", "p5"):
        p[name] = register(clerk, community=community, title=f"楼道堆物（{name}）")
    p["p6"] = register(clerk, community=other_community, title="路灯不亮（p6）")
    replied(p["p1"], personas, unit)
    replied(p["p2"], personas, unit, basis="")
    make_overdue(p["p3"])
    replied(p["p4"], personas, unit)
    Clock.objects.filter(case=p["p4"].case, code="handling").update(outcome=Clock.Outcome.LATE)
    replied(p["p5"], personas, unit)
    replied(p["p6"], personas, unit)
    return p


def item(scheme, order, method, key="", top=10, **more) -> SchemeItem:
    return SchemeItem.objects.create(
        scheme=scheme,
        order=order,
        title=f"item {order}",
        method=method,
        stat_key=key,
        max_points=Decimal(top),
        **{k: Decimal(str(v)) for k, v in more.items()},
    )


@pytest.fixture
def scheme(db):
    """A published scheme of five items (hand-computed in test_scoring.py)."""
    found = Scheme.objects.create(
        name="测试方案",
        status=SchemeStatus.PUBLISHED,
        valid_from=timezone.localdate() - timedelta(days=400),
        published_at=timezone.now(),
    )
    item(found, 1, Method.RATE, "petitions.on_time_rate", 20, target="0.9", floor="0.5")
    item(found, 2, Method.DEDUCT, "petitions.overdue_open", 10, per_matter=3)
    item(found, 3, Method.THRESHOLD, "replies.with_basis_rate", 10, target=1)
    item(found, 4, Method.THRESHOLD, "petitions.on_time.late", 5, target=0)
    item(found, 5, Method.MANUAL, "", 5)
    return found
