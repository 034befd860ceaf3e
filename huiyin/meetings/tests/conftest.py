"""A meeting held yesterday (Beijing) by the 综治办, its chair the leader, with the handler
(城建办, no assessment.view) and the community worker attending."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiyin.meetings import services
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register, step


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


@pytest.fixture
def meeting(personas, office):
    staff = [personas[r].staff.pk for r in (Role.LEADER, Role.DEPARTMENT_HANDLER)]
    return services.save_meeting(
        actor=office,
        data={
            "held_on": services.today() - timedelta(days=1),
            "title": "信访维稳工作例会",
            "meeting_kind": "regular",
            "place": "二楼会议室",
            "chair": personas[Role.LEADER].staff.pk,
            "attendees": staff,
            "decisions": "城建办牵头核实楼道堆物问题并书面答复。\n社区开展回访。",
        },
    )


@pytest.fixture
def petition(personas, community, unit):
    """A petition in 柑子园 assigned to 城建办."""
    clerk = personas[Role.PETITION_CLERK]
    found = register(clerk, community=community, title="楼道堆物久拖未决")
    step(step(found.case, "accept", clerk), "assign", clerk, unit=unit)
    found.refresh_from_db()
    return found


def task_data(personas, **more) -> dict:
    return {
        "text": "核实楼道堆物情况并书面答复",
        "action": "reply",
        "owner": personas[Role.DEPARTMENT_HANDLER].staff.pk,
        "due_on": services.today() + timedelta(days=5),
        **more,
    }
