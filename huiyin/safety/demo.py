"""Demo data of 平安创建: this year's creations (one community awarded, one assessed, one
applied; a school's safe-campus application), last year's award revoked, the 四无 figures of
each community with their sources (the police station's documents, the incident ledger, a
reported petition figure) and an awareness and a participation survey.

`huiyin demo` calls :func:`load` after the incidents' and the assessment's demos. Idempotent:
a second run adds nothing. Everything goes through the services, by 综治办's account.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from huiyin.assessment.bodies import COMMUNITY, UNIT, Body
from huiyin.org.models import Community, Unit
from huiyin.safety import services
from huiyin.safety.models import Creation

POLICE = "浓洄派出所"


def _steps(creation, office: User, steps: list[tuple[str, date, dict]]) -> None:
    for status, on, more in steps:
        services.change_status(creation, actor=office, data={"status": status, "on": on, **more})


def load(stdout) -> None:
    if Creation.objects.exists():
        return
    office = User.objects.filter(username="governance").first()
    communities = list(Community.objects.order_by("order", "id")[:3])
    if office is None or not communities:
        return
    today = services.today()
    with transaction.atomic():
        _creations(office, communities, today)
        for index, community in enumerate(communities):
            _figures(office, community, index, today)
            _surveys(office, community, index, today)
    stdout.write(
        f"Safe community creation: {Creation.objects.count()} creations, figures and surveys "
        f"for {len(communities)} communities.\n"
    )


def _creations(office: User, communities: list[Community], today: date) -> None:
    district = "区平安建设领导小组"
    for index, community in enumerate(communities):
        body = Body(COMMUNITY, community.pk, community.name)
        creation = services.create(
            actor=office, body=body, data={"category": "community", "year": today.year}
        )
        steps = [("applied", today - timedelta(days=60), {"body": district})]
        if index <= 1:
            steps.append(
                (
                    "assessed",
                    today - timedelta(days=30),
                    {"body": "区综治委考评组", "note": "现场考评，资料齐全。"},
                )
            )
        if index == 0:
            steps.append(
                (
                    "awarded",
                    today - timedelta(days=10),
                    {"body": district, "document_ref": f"区平安办〔{today.year}〕12号"},
                )
            )
        _steps(creation, office, steps)
    # Last year's safe-compound title of the third (or only) community, revoked.
    last = communities[-1]
    old = services.create(
        actor=office,
        body=Body(COMMUNITY, last.pk, last.name),
        data={"category": "compound", "year": today.year - 1, "subject": "翠屏花园小区"},
    )
    _steps(
        old,
        office,
        [
            ("applied", today - timedelta(days=400), {}),
            (
                "awarded",
                today - timedelta(days=330),
                {"body": district, "document_ref": "区平安办〔命名〕3号"},
            ),
            (
                "revoked",
                today - timedelta(days=90),
                {
                    "body": district,
                    "document_ref": "区平安办〔撤销〕1号",
                    "reason": "小区消防通道长期堵塞，整改逾期未完成。",
                },
            ),
        ],
    )
    school = Unit.objects.filter(kind=Unit.Kind.SCHOOL).order_by("name", "id").first()
    if school is not None:
        campus = services.create(
            actor=office,
            body=Body(UNIT, school.pk, school.name),
            data={"category": "campus", "year": today.year},
        )
        _steps(campus, office, [("applied", today - timedelta(days=20), {"body": district})])


def _figures(office: User, community: Community, index: int, today: date) -> None:
    start = today.replace(month=1, day=1)
    base = {"community": community.pk, "start": start, "end": today}
    services.record_figure(
        actor=office,
        data={
            **base,
            "criterion": "criminal",
            "value": index,
            "source": f"{POLICE}辖区警情统计",
            "source_ref": f"浓洄派出所〔{today.year}〕警情通报第{index + 3}期",
        },
    )
    services.record_figure(
        actor=office,
        data={
            **base,
            "criterion": "public_order",
            "value": index + 1,
            "source": f"{POLICE}辖区警情统计",
            "source_ref": f"浓洄派出所〔{today.year}〕警情通报第{index + 3}期",
        },
    )
    services.record_figure(
        actor=office, data={**base, "criterion": "accident", "from_incidents": True}
    )
    services.record_figure(
        actor=office,
        data={
            **base,
            "criterion": "petition",
            "value": 0,
            "source": f"{community.name}居委会年度自查报告",
            "note": "社区自报数，仅作记录。",
        },
    )


def _surveys(office: User, community: Community, index: int, today: date) -> None:
    on = today - timedelta(days=15)
    services.record_survey(
        actor=office,
        data={
            "community": community.pk,
            "kind": "awareness",
            "method": "questionnaire",
            "conducted_on": on,
            "conducted_by": "街道综治办",
            "sample_size": 200,
            "numerator": 182 - index * 5,
            "denominator": 196,
            "note": "4份问卷无效。",
        },
    )
    services.record_survey(
        actor=office,
        data={
            "community": community.pk,
            "kind": "participation",
            "method": "household",
            "conducted_on": on,
            "conducted_by": f"{community.name}居委会",
            "sample_size": 120,
            "numerator": 87 + index,
            "denominator": 120,
        },
    )
