"""Every transition of the incident workflow, allowed or refused, for every role; the steps out
of order refused with their reason; nothing closes without an outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.models import CaseEvent
from huiyin.incidents import services, steps
from huiyin.incidents.models import Report, Status, Task
from huiyin.incidents.tests import factories as itf
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry
from huiyin.testing import factories as f

pytestmark = pytest.mark.usefixtures("types")

R = Role
DUTY, COMMUNITY, GRID = R.GOVERNANCE_STAFF, R.COMMUNITY_WORKER, R.GRID_WORKER
LEADER, AUDITOR = R.LEADER, R.AUDITOR
OTHER_LEADER = "other_leader"
OUTSIDERS = (R.PETITION_CLERK, R.MEDIATOR, R.DEPARTMENT_HANDLER)
EVERYONE = (DUTY, COMMUNITY, GRID, LEADER, OTHER_LEADER, AUDITOR, *OUTSIDERS)

#: Who may fire each transition on an incident in the community and grid of the workers.
ALLOWED = {
    "respond": {DUTY},
    "update_situation": {DUTY, COMMUNITY, GRID},
    "record_report": {DUTY},
    "add_task": {DUTY, LEADER},
    "finish_task": {DUTY, LEADER, GRID},  # the grid worker owns the task
    "record_police": {DUTY, COMMUNITY, GRID},
    "record_kin": {DUTY, COMMUNITY, GRID},
    "conclude": {DUTY, LEADER},
    "resume": {DUTY, LEADER},
    "close": {LEADER},
    "evaluate": {DUTY, LEADER},
}


@pytest.fixture
def people(personas):
    return {**personas, OTHER_LEADER: f.person(R.LEADER, username="leader2")}


def _state_for(name: str) -> str:
    return {
        "respond": "registered",
        "conclude": "handling",
        "resume": "concluded",
        "close": "concluded",
        "evaluate": "closed",
    }.get(name, "handling")


def prepare(name: str, people, community, grid):
    duty = people[DUTY]
    type_name = "非正常死亡" if name in ("record_police", "record_kin") else "火警"
    case = itf.register(duty, community=community, grid=grid, type_name=type_name)
    target = _state_for(name)
    if target in ("concluded", "closed"):
        itf.report(case, duty)
    case = itf.bring_to(case, target, people)
    if name == "close":
        itf.report(case, duty, "final", channel="written", sent_at=timezone.now())
    if name == "conclude":
        itf.report(case, duty)
    if name == "finish_task":
        services.add_task(
            case,
            duty,
            action="verify",
            title="核实起火原因",
            owner=people[GRID].staff.pk,
            due_at=timezone.now() + timedelta(hours=2),
        )
    return itf.refresh(case)


def payload(name: str, case, people) -> dict:
    now = timezone.now().replace(microsecond=0)
    return {
        "respond": {"leader": people[LEADER].staff.pk},
        "update_situation": {"deaths": 1},
        "record_report": {
            "kind": "first",
            "sent_at": now,
            "recipient": "区应急管理局",
            "channel": "phone",
            "contents": "初报",
        },
        "add_task": {
            "action": "aftermath",
            "task_title": "安置受灾住户",
            "owner": people[COMMUNITY].staff.pk,
            "due_at": now + timedelta(days=1),
        },
        "finish_task": {
            "task": Task.objects.filter(incident_id=case.pk).values_list("pk", flat=True).first(),
            "result": "已核实",
        },
        "record_police": {
            "police_notified_at": now - timedelta(minutes=30),
            "police_unit": "派出所",
        },
        "record_kin": {"kin_name": "王某某", "kin_relation": "配偶", "kin_phone": "13812345678"},
        "conclude": {"outcome": "处置完毕"},
        "resume": {"note": "复燃"},
        "close": {"note": "同意结案"},
        "evaluate": {"evaluation": "响应及时"},
    }[name]


@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("role", EVERYONE)
def test_each_transition_by_each_role(name, role, people, community, grid):
    case = prepare(name, people, community, grid)
    before = case.status
    data = payload(name, case, people)
    actor = people[role]
    if role in ALLOWED[name]:
        after = services.step(case, name, actor, **data)
        assert CaseEvent.objects.filter(case=case, kind=name).count() == 1
        expected = {
            "respond": Status.HANDLING,
            "conclude": Status.CONCLUDED,
            "resume": Status.HANDLING,
            "close": Status.CLOSED,
        }.get(name, before)
        assert after.status == expected
        assert AuditEntry.objects.filter(action="case.transition", target_id=str(case.pk)).exists()
    elif role in OUTSIDERS:
        with pytest.raises(Http404):
            services.step(case, name, actor, **data)
    else:
        with pytest.raises(TransitionRefused):
            services.step(case, name, actor, **data)
        assert itf.refresh(case).status == before
        assert not CaseEvent.objects.filter(case=case, kind=name).exists()
        assert AuditEntry.objects.filter(action="case.transition_refused").exists()


def test_a_worker_outside_the_area_does_not_see_the_incident(people, community, other_community):
    case = itf.register(people[DUTY], community=other_community)
    for role in (COMMUNITY, GRID):
        with pytest.raises(Http404):
            services.step(case, "update_situation", people[role], deaths=1)


def test_the_leader_in_charge_must_be_a_leader(people, community):
    case = itf.register(people[DUTY], community=community)
    with pytest.raises(TransitionRefused) as refused:
        services.respond(case, people[DUTY], leader=people[COMMUNITY].staff.pk)
    assert refused.value.message == steps.MSG_NOT_A_LEADER
    with pytest.raises(TransitionRefused):
        services.respond(case, people[DUTY], leader=10**30)


def test_steps_out_of_order_are_refused(people, community):
    duty, leader = people[DUTY], people[LEADER]
    case = itf.register(duty, community=community)
    # Conclude or close before the response: the state refuses, in words.
    for name, data in (("conclude", {"outcome": "x"}), ("close", {})):
        with pytest.raises(TransitionRefused) as refused:
            services.step(case, name, leader if name == "close" else duty, **data)
        assert "is not possible while the matter is" in str(refused.value.message)
    case = itf.bring_to(case, "handling", people)
    with pytest.raises(TransitionRefused):
        services.respond(case, duty, leader=leader.staff.pk)  # twice
    # No conclusion before the first report upward.
    with pytest.raises(TransitionRefused) as refused:
        services.conclude(case, duty, outcome="处置完毕")
    assert refused.value.message == steps.MSG_NO_FIRST_REPORT
    # A follow-up or final report needs the first one.
    for kind in ("follow_up", "final"):
        with pytest.raises(TransitionRefused) as refused:
            itf.report(case, duty, kind)
        assert refused.value.message == steps.MSG_NEEDS_FIRST
    itf.report(case, duty)
    # No conclusion with a task open.
    services.add_task(
        case,
        duty,
        action="verify",
        title="核实",
        owner=duty.staff.pk,
        due_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(TransitionRefused) as refused:
        services.conclude(case, duty, outcome="处置完毕")
    assert "tasks are still open" in str(refused.value.message)
    task = Task.objects.get(incident_id=case.pk)
    services.finish_task(case, duty, task=task, result="完成")
    # The final report follows the conclusion.
    with pytest.raises(TransitionRefused) as refused:
        itf.report(case, duty, "final", channel="written", sent_at=timezone.now())
    assert refused.value.message == steps.MSG_FINAL_STAGE
    case = services.conclude(case, duty, outcome="处置完毕")
    # No close before the final report.
    with pytest.raises(TransitionRefused) as refused:
        services.step(case, "close", leader)
    assert refused.value.message == steps.MSG_NO_FINAL_REPORT
    itf.report(case, duty, "final", channel="written", sent_at=timezone.now())
    # Nothing but the final report by another channel follows the final report.
    with pytest.raises(TransitionRefused) as refused:
        itf.report(case, duty, "follow_up", sent_at=timezone.now())
    assert refused.value.message == steps.MSG_AFTER_FINAL
    case = services.step(case, "close", leader)
    assert case.status == Status.CLOSED and case.closed_at is not None
    with pytest.raises(TransitionRefused):
        itf.report(case, duty, "final", channel="phone", sent_at=timezone.now())


def test_no_close_without_an_outcome(people, community):
    duty = people[DUTY]
    case = itf.bring_to(itf.register(duty, community=community), "handling", people)
    itf.report(case, duty)
    for blank in ("", "   ", None):
        with pytest.raises(TransitionRefused) as refused:
            services.step(case, "conclude", duty, outcome=blank) if blank is not None else (
                services.step(case, "conclude", duty)
            )
        assert "Outcome" in str(refused.value.message)
    assert itf.refresh(case).status == Status.HANDLING
    # Even an outcome removed behind the workflow's back keeps the case open.
    case = services.conclude(case, duty, outcome="处置完毕")
    itf.incident(case).__class__.objects.filter(pk=case.pk).update(outcome="")
    itf.report(case, duty, "final", channel="written", sent_at=timezone.now())
    with pytest.raises(TransitionRefused) as refused:
        services.step(case, "close", people[LEADER])
    assert refused.value.message == steps.MSG_NO_OUTCOME


def test_follow_up_reports_are_numbered_in_order(people, community):
    duty = people[DUTY]
    case = itf.bring_to(itf.register(duty, community=community), "handling", people)
    itf.report(case, duty)
    itf.report(case, duty, channel="written")  # the same first report, in writing
    with pytest.raises(TransitionRefused) as refused:
        itf.report(case, duty)  # by phone again
    assert refused.value.message == steps.MSG_DUPLICATE
    now = timezone.now()
    itf.report(case, duty, "follow_up", sent_at=now)
    itf.report(case, duty, "follow_up", sent_at=now, channel="written", seq=1)
    itf.report(case, duty, "follow_up", sent_at=now)
    with pytest.raises(TransitionRefused):
        itf.report(case, duty, "follow_up", sent_at=now, seq=5)
    seqs = list(
        Report.objects.filter(incident_id=case.pk, kind="follow_up")
        .order_by("pk")
        .values_list("seq", "channel")
    )
    assert seqs == [(1, "phone"), (1, "written"), (2, "phone")]


def test_a_report_before_the_street_learned_of_it_or_in_the_future_is_refused(people, community):
    duty = people[DUTY]
    case = itf.register(duty, community=community)
    learned = itf.incident(case).learned_at
    for sent_at in (learned - timedelta(minutes=1), timezone.now() + timedelta(hours=1)):
        with pytest.raises(TransitionRefused):
            itf.report(case, duty, sent_at=sent_at)
    assert not Report.objects.exists()


def test_police_steps_only_for_an_unnatural_death(people, community):
    duty = people[DUTY]
    fire = itf.register(duty, community=community)
    with pytest.raises(TransitionRefused) as refused:
        services.step(fire, "record_police", duty, police_unit="派出所")
    assert refused.value.message == steps.MSG_NOT_UNNATURAL
    death = itf.register(duty, community=community, type_name="非正常死亡")
    with pytest.raises(TransitionRefused) as refused:
        services.step(death, "record_police", duty, police_conclusion="排除刑事案件")
    assert refused.value.message == steps.MSG_CONCLUSION_FIRST
    notified = timezone.now() - timedelta(hours=1)
    services.step(death, "record_police", duty, police_notified_at=notified, police_unit="派出所")
    services.step(
        death,
        "record_police",
        duty,
        conclusion_received_at=timezone.now(),
        police_conclusion="排除刑事案件",
    )
    incident = itf.incident(death)
    assert incident.police_unit == "派出所" and incident.police_conclusion == "排除刑事案件"
    assert incident.conclusion_received_at is not None


def test_the_next_of_kin_is_encrypted_and_masked(people, community):
    from django.db import connection

    duty = people[DUTY]
    case = itf.register(duty, community=community, type_name="非正常死亡")
    services.step(case, "record_kin", duty, kin_name="王小明", kin_phone="13812345678")
    incident = itf.incident(case)
    assert incident.kin_name == "王小明" and incident.kin_phone_masked.startswith("138")
    assert "13812345678" not in incident.kin_phone_masked
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kin_name, kin_phone FROM incidents_incident WHERE case_id = %s", [case.pk]
        )
        raw = cursor.fetchone()
    assert "王小明" not in raw[0] and "13812345678" not in raw[1]
    event = CaseEvent.objects.get(case=case, kind="record_kin")
    assert "王小明" not in str(event.data)
    entry = AuditEntry.objects.filter(action="case.transition").last()
    assert "王小明" not in str(entry.diff) and "13812345678" not in str(entry.diff)
    with pytest.raises(TransitionRefused):
        services.step(case, "record_kin", duty, kin_name="王小明", kin_phone="12345")
