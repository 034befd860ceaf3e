"""Demo data of the assessment: this year's responsibility letters, last month's round under
the built-in scheme (published, with an objection), supervision orders (one answered late,
one overdue), a veto proposal awaiting the district and this year's five assurances (五个落实)
of two communities and a unit, with evidence (one file withdrawn).

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
from huiyin.org.demo_times import happened, working_moment
from huiyin.org.models import Community, Street, Unit

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
    _assurances(stdout)
    if Letter.objects.exists() or SupervisionOrder.objects.exists():
        return
    users = _users()
    # The first street's office assesses the first street's communities and units: its
    # round is its own (a second street, loaded later, has none of it).
    street = Street.objects.order_by("pk").first()
    communities = list(Community.objects.filter(street=street).order_by("order", "id"))
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
            street=street,
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
    # Each order on the petition's timeline the day it was issued (see org.demo_times).
    with happened(working_moment(today - timedelta(days=20), case.pk)):
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
    with happened(working_moment(today - timedelta(days=8), case.pk, 1)):
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


#: This year's five assurances: body -> [(item, status, description, responsible, evidence)].
#: responsible: a demo username; evidence: the files' titles ("!" first: withdrawn).
ASSURANCES = {
    ("community", 0): [
        ("leadership", "in_place", "成立综治维稳工作领导小组，书记任组长。", "leader",
         ["领导小组成立文件"]),
        ("team", "in_place", "专职综治干部2名，网格员6名，调解员4名。", "community1",
         ["队伍名册"]),
        ("venue", "in_place", "综治中心、人民调解室、接访室各1间。", None, ["阵地照片"]),
        ("funding", "in_place", "年度工作经费纳入社区预算。", None, ["经费预算表"]),
        ("work", "partly", "例会制度已建立，台账尚不完整。", "community1", []),
    ],
    ("community", 1): [
        ("leadership", "in_place", "领导小组已调整。", "leader", ["调整通知"]),
        ("team", "in_place", "专兼职队伍已落实。", None, ["!旧名册", "队伍名册（更新）"]),
        ("funding", "partly", "经费部分到位。", None, []),
    ],
    ("unit", "城建办"): [
        ("leadership", "in_place", "分管领导负责信访办理。", "leader", ["分工文件"]),
        ("funding", "not_in_place", "", None, []),
    ],
}  # fmt: skip


def _assurances(stdout) -> None:
    """A few bodies' five assurances, written directly (idempotent: once per year)."""
    from huiyin.assessment.models import Assurance, AssuranceEvidence
    from huiyin.assessment.services.common import today
    from huiyin.org.models import Staff

    year = today().year
    if Assurance.objects.filter(year=year).exists():
        return
    office = User.objects.filter(username="governance").first()
    communities = list(Community.objects.order_by("order", "id"))
    if office is None or len(communities) < 2:
        return
    staff = {s.user.username: s for s in Staff.objects.select_related("user")}
    storage = AssuranceEvidence._meta.get_field("file").storage
    made = 0
    with transaction.atomic():
        for (kind, which), items in ASSURANCES.items():
            if kind == COMMUNITY:
                where = {"community": communities[which]}
            else:
                unit = Unit.objects.filter(name=which).first()
                if unit is None:
                    continue
                where = {"unit": unit}
            for item, status, text, who, titles in items:
                row = Assurance.objects.create(
                    year=year,
                    item=item,
                    status=status,
                    description=text,
                    responsible=staff.get(who) if who else None,
                    updated_by=office,
                    **where,
                )
                made += 1
                for title in titles:
                    content = _pdf(title.lstrip("!"))
                    name = storage.save(
                        f"assurances/{row.pk}/{uuid.uuid4().hex}.pdf", ContentFile(content)
                    )
                    AssuranceEvidence.objects.create(
                        assurance=row,
                        title=title.lstrip("!"),
                        file=name,
                        original_name=f"{title.lstrip('!')}.pdf",
                        content_type="application/pdf",
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        uploaded_by=office,
                        withdrawn=title.startswith("!"),
                        withdrawn_reason="已被更新的名册取代。" if title.startswith("!") else "",
                    )
    stdout.write(f"Assessment: {made} items of the five assurances for {year}.\n")
