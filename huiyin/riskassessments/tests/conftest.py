"""An assessment of a demolition project, opened by the 综治办 (assessment.manage)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.org.roles import Role
from huiyin.riskassessments import services as s

FINDINGS = {
    "legality": ("pass", "依据《国有土地上房屋征收与补偿条例》。"),
    "reasonableness": ("pass", "兼顾各方利益。"),
    "feasibility": ("pass", "资金已落实。"),
    "controllability": ("concern", "补偿标准存在争议。"),
}


def review_data(day) -> dict:
    data = {"reviewed_on": day}
    for code, (result, finding) in FINDINGS.items():
        data[f"{code}_result"], data[f"{code}_finding"] = result, finding
    return data


def consultation_data(day, **more) -> dict:
    return {
        "method": "questionnaire",
        "group": "拟征收房屋住户",
        "held_on": day,
        "participants": 40,
        "in_favour": 30,
        "against": 5,
        "neutral": 5,
        "summary": "关注补偿标准。",
        **more,
    }


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def assessment(office, personas, unit):
    day = s.today()
    return s.create_assessment(
        actor=office,
        data={
            "title": "柑子园社区危旧房屋征收拆迁项目",
            "description": "征收拆除2栋D级危房。",
            "unit": unit.pk,
            "leader": personas[Role.LEADER].staff.pk,
            "assessor_kind": "self",
            "assessor_name": "综治办评估小组",
            "plan": "问卷、座谈、听证，会商分析。",
            "opened_on": day - timedelta(days=10),
        },
    )
