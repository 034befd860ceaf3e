"""The incident workflow: states, transitions, who may fire them and what each does.

    registered ─respond (names the leader in charge)→ handling
    registered|handling|concluded ─update_situation / record_report / record_police / record_kin→
    registered|handling ─add_task / finish_task→ (same state)
    handling ─conclude (with the outcome; the first report sent, no task open)→ concluded
    concluded ─resume→ handling
    concluded ─close (the leader in charge; the final report sent)→ closed
    closed ─evaluate→ (same state: the follow-up evaluation, 突发事件应对法 art. 87)

Who, by role (roles.py):

* the street's duty office — governance staff, Perm.INCIDENTS_REPORT over the whole street —
  responds, reports upward, gives out tasks and concludes;
* community and grid workers (INCIDENTS_REPORT in their community or grid) register there,
  update the situation and, for an unnatural death, record the police's steps and the next of
  kin; they record the results of the tasks they own;
* the leader in charge (a leader, INCIDENTS_VIEW; 主要领导亲自处理) gives out tasks, concludes,
  closes and evaluates; no other leader acts on it;
* auditors and other leaders read.

Every refusal is a sentence in Chinese: the wrong state ("“结案” 在 “处置中” 时不可进行"), the
wrong role, or the missing piece (the first report, the outcome, the final report, open tasks).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiyin.cases.kinds import Kind
from huiyin.cases.workflow import Transition, Workflow, register_workflow
from huiyin.incidents import steps as s
from huiyin.incidents.checks import FIELDS
from huiyin.incidents.models import Incident, Status
from huiyin.org.roles import Perm

S = Status

REPORT = (Perm.INCIDENTS_REPORT,)
# The leader in charge holds only the view permission: the preconditions decide who of them.
LEAD = (Perm.INCIDENTS_REPORT, Perm.INCIDENTS_VIEW)

OPEN = (S.REGISTERED, S.HANDLING, S.CONCLUDED)
ACTIVE = (S.REGISTERED, S.HANDLING)


def _load(case, lock: bool) -> Incident:
    queryset = Incident.objects.select_for_update() if lock else Incident.objects
    incident = queryset.get(pk=case.pk)
    incident.case = case
    return incident


TRANSITIONS = (
    Transition(
        "respond",
        (S.REGISTERED,),
        S.HANDLING,
        REPORT,
        _("Start the response"),
        requires=("leader",),
        optional=("measures", "note"),
        precondition=s.pre_duty,
        clean=s.clean_respond,
        apply=s.apply_respond,
    ),
    Transition(
        "update_situation",
        OPEN,
        None,
        REPORT,
        _("Update the situation"),
        optional=(*s.SITUATION, "grade", "note"),
        clean=s.clean_situation,
        apply=s.apply_situation,
    ),
    Transition(
        "record_report",
        OPEN,
        None,
        REPORT,
        _("Record a report upward"),
        requires=("kind", "sent_at", "recipient", "channel", "contents"),
        optional=("seq",),
        precondition=s.pre_duty,
        clean=s.clean_report,
        apply=s.apply_report,
    ),
    Transition(
        "add_task",
        ACTIVE,
        None,
        LEAD,
        _("Give out a task"),
        requires=("action", "task_title", "owner", "due_at"),
        precondition=s.pre_duty_or_leader,
        clean=s.clean_task,
        apply=s.apply_task,
    ),
    Transition(
        "finish_task",
        ACTIVE,
        None,
        LEAD,
        _("Record a task's result"),
        requires=("task", "result"),
        precondition=s.pre_finish,
        clean=s.clean_finish,
        apply=s.apply_finish,
    ),
    Transition(
        "record_police",
        OPEN,
        None,
        REPORT,
        _("Record the police's steps"),
        optional=(
            "police_notified_at",
            "police_unit",
            "conclusion_received_at",
            "police_conclusion",
        ),
        precondition=s.pre_unnatural,
        clean=s.clean_police,
        apply=s.apply_police,
    ),
    Transition(
        "record_kin",
        OPEN,
        None,
        REPORT,
        _("Record the next of kin"),
        requires=("kin_name",),
        optional=("kin_relation", "kin_phone"),
        precondition=s.pre_unnatural,
        clean=s.clean_kin,
        apply=s.apply_kin,
    ),
    Transition(
        "conclude",
        (S.HANDLING,),
        S.CONCLUDED,
        LEAD,
        _("Conclude the disposal"),
        requires=("outcome",),
        optional=("aftermath", "concluded_at"),
        precondition=s.pre_conclude,
        clean=s.clean_conclude,
        apply=s.apply_conclude,
    ),
    Transition(
        "resume",
        (S.CONCLUDED,),
        S.HANDLING,
        LEAD,
        _("Resume the handling"),
        requires=("note",),
        precondition=s.pre_duty_or_leader,
        clean=s.clean_resume,
    ),
    Transition(
        "close",
        (S.CONCLUDED,),
        S.CLOSED,
        LEAD,
        _("Close the incident"),
        optional=("note",),
        precondition=s.pre_close,
        clean=s.clean_note,
    ),
    Transition(
        "evaluate",
        (S.CLOSED,),
        None,
        LEAD,
        _("Record the follow-up evaluation"),
        requires=("evaluation",),
        optional=("evaluated_on",),
        precondition=s.pre_duty_or_leader,
        clean=s.clean_evaluate,
        apply=s.apply_evaluate,
    ),
)

#: Payload keys per transition: {name: (required keys, optional keys)}, for forms.
PAYLOAD = {t.name: (t.requires, t.optional) for t in TRANSITIONS}

INCIDENT_WORKFLOW = Workflow(
    kind=Kind.INCIDENT,
    states=Status,
    initial=S.REGISTERED,
    final=frozenset({S.CLOSED}),
    transitions=TRANSITIONS,
    load_detail=_load,
    fields=FIELDS,
)


def register() -> None:
    register_workflow(INCIDENT_WORKFLOW)
