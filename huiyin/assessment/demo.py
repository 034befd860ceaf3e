"""Demo data of the assessment: this year's responsibility letters, last month's round under
the built-in scheme (published, with an objection), supervision orders (one answered late,
one overdue) and a veto proposal awaiting the district.

`huiyin demo` calls :func:`load` after the petitions' and disputes' demos. Idempotent: a
second run adds nothing. Everything goes through the services, by the account whose job it
is (the leader issues, 城建办's handler answers, the 综治办 proposes and publishes).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from huiyin.assessment.bodies import COMMUNITY, UNIT, Body
from huiyin.assessment.defaults import ensure_default_scheme
from huiyin.assessment.models import Comparison, Letter, LetterScan, SupervisionOrder, Target
from huiyin.assessment.services import rounds, supervision, veto
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.org.models import Community, Unit

#: The targets every community's letter carries: (statistic, label, at least/most, threshold, weight).
TARGETS = (
    ("petitions.on_time_rate", "信访事项按期办结率", Comparison.AT_LEAST, "0.95", 30),
    ("replies.with_basis_rate", "书面答复载明依据", Comparison.AT_LEAST, "1", 20),
    ("screening.on_time_rate", "矛盾纠纷排查按时上报率", Comparison.AT_LEAST, "0.90", 30),
    ("supervision.overdue", "督办事项逾期未反馈", Comparison.AT_MOST, "0", 20),
)
#: Communities whose signed letter is on file.
SIGNED = 2


def _pdf(title: str) -> bytes:
    from huiyin.reports.demo import _scan

    return _scan(title)


def _users() -> dict[str, User] | None:
    names = ("governance", "leader", "handler", "community1")
    found = {u.username: u for u in User.objects.filter(username__in=names).select_related("staff")}
    return found if len(found) == len(names) else None


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def load(stdout) -> None:
    if Letter.objects.exists() or SupervisionOrder.objects.exists():
        return
    users = _users()
    communities = list(Community.objects.order_by("order", "id"))
    if users is None or not communities:
        return
    scheme = ensure_default_scheme()
    today = timezone.localdate()
    with transaction.atomic():
        _letters(communities, users["governance"], today)
        _orders(users, today)
        _veto(users["governance"], today)
        start, end = _last_month(today)
        name = f"{start.year}年{start.month}月考核"
        found = rounds.create_round(
            actor=users["governance"],
            scheme=scheme,
            data={"name": name, "start": start, "end": end},
        )
        rounds.publish_round(found, actor=users["governance"])
        mine = found.scores.filter(community__name="柑子园社区").first()
        point = mine.points.order_by("item__order").first() if mine else None
        if point is not None:
            rounds.file_objection(
                point, actor=users["community1"], text="有一件答复日期登记有误，请核实。"
            )
    stdout.write(
        f"Assessment: {len(communities)} responsibility letters, a published round ({name}), "
        f"{SupervisionOrder.objects.count()} supervision orders.\n"
    )


def _letters(communities, office: User, today: date) -> None:
    storage = LetterScan._meta.get_field("file").storage
    for index, community in enumerate(communities):
        letter = Letter.objects.create(
            year=today.year,
            community=community,
            title=f"{today.year}年度维稳综治暨信访工作目标管理责任书",
            created_by=office,
        )
        Target.objects.bulk_create(
            [
                Target(
                    letter=letter,
                    order=order,
                    stat_key=key,
                    label=label,
                    comparison=comparison,
                    threshold=Decimal(threshold),
                    weight=weight,
                )
                for order, (key, label, comparison, threshold, weight) in enumerate(TARGETS, 1)
            ]
        )
        if index < SIGNED:
            content = _pdf(f"letter {index + 1}")
            name = storage.save(f"letters/{letter.pk}/{uuid.uuid4().hex}.pdf", ContentFile(content))
            LetterScan.objects.create(
                letter=letter,
                signed_on=date(today.year, 1, min(10 + index, 28)),
                signed_by=f"{community.name}党委书记",
                file=name,
                original_name=f"{community.name}目标责任书.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=office,
            )


def _orders(users, today: date) -> None:
    """A petition of 城建办's, overdue or the oldest open: one order answered late; another,
    unanswered, past its deadline (the bell reminds it at the next tick)."""
    unit = Unit.objects.filter(name="城建办").first()
    if unit is None:
        return
    owned = Case.objects.filter(kind=Kind.PETITION, withdrawn=False, owner_unit=unit)
    case = (
        owned.filter(due_on__lt=today).order_by("due_on").first()
        or owned.order_by("received_at").first()
    )
    if case is None:
        return
    body = Body(UNIT, unit.pk, unit.name)
    first = supervision.issue_order(
        actor=users["leader"],
        data={
            "cases": [case.number],
            "ground": "delay",
            "instruction": "请城建办抓紧办理，按期书面答复信访人，并将办理情况报街道。",
            "requirements": "查明事实、依法依规提出处理意见，书面反馈是否采纳督办意见。",
            "issued_on": today - timedelta(days=20),
            "deadline": today - timedelta(days=10),
        },
        body=body,
    )
    supervision.record_feedback(
        first,
        actor=users["handler"],
        data={
            "feedback": "已约见信访人，提出处理意见并书面答复；采纳督办意见。",
            "feedback_on": today - timedelta(days=6),
            "result": "adopted",
        },
    )
    supervision.escalate(
        first,
        actor=users["leader"],
        data={
            "step": "interview",
            "on": today - timedelta(days=9),
            "note": "逾期未反馈，约谈分管负责人。",
        },
    )
    supervision.issue_order(
        actor=users["leader"],
        data={
            "cases": [case.number],
            "ground": "perfunctory",
            "instruction": "答复内容未载明依据，请补正后重新答复。",
            "requirements": "补充事实和依据，书面反馈。",
            "issued_on": today - timedelta(days=8),
            "deadline": today - timedelta(days=1),
        },
        body=body,
    )


def _veto(office: User, today: date) -> None:
    """A proposal about a community, resting on one of its disputes; pending at the district."""
    dispute = (
        Case.objects.filter(kind=Kind.DISPUTE, withdrawn=False, community__isnull=False)
        .select_related("community")
        .order_by("received_at", "pk")
        .first()
    )
    if dispute is None:
        return
    community = dispute.community
    veto.propose(
        actor=office,
        data={
            "ground": "major_incident",
            "rule": "年度目标管理责任书第五条：发生重大矛盾纠纷未按规定排查上报、处置不力的",
            "cases": dispute.number,
            "investigation": "经街道综治办调查，该纠纷排查后未按时上报，调处措施未落实。",
            "investigated_on": today - timedelta(days=3),
        },
        body=Body(COMMUNITY, community.pk, community.name),
    )
