"""What each step of the incident workflow checks and does (the table is in workflow.py).

Preconditions return a message when the step is not possible now (and hide it from the page);
``clean_*`` read ``ctx.payload`` into ``ctx.cleaned`` or raise TransitionRefused; ``apply_*``
write the incident's own rows after the status update, in the transition's transaction.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case
from huiyin.incidents import checks, rules
from huiyin.incidents.models import Report, Status, Task, TaskAction
from huiyin.incidents.registration import Errors, IncidentInvalid, clean_figures, derive_grade
from huiyin.incidents.reporting import delay_minutes
from huiyin.org.models import RoleGrant, Staff
from huiyin.org.roles import Perm, Role
from huiyin.privacy import masking
from huiyin.privacy.validators import validate_phone

MSG_DUTY = _("Only the street's duty office (incident reporting for the whole street) may do this.")
MSG_DUTY_OR_LEADER = _("Only the street's duty office or the leader in charge may do this.")
MSG_LEADER_ONLY = _("Only the leader in charge of this incident may close it.")
MSG_NOT_A_LEADER = _("The leader in charge must be one of the street's leaders.")
MSG_NO_FIRST_REPORT = _("Record the first report upward before the disposal is concluded.")
MSG_OPEN_TASKS = _("%(count)s tasks are still open: record their results first.")
MSG_NO_FINAL_REPORT = _("Record the final report upward before the incident is closed.")
MSG_NO_OUTCOME = _("An incident is closed only with its outcome recorded.")
MSG_NOT_UNNATURAL = _("This is recorded only for an unnatural death.")
MSG_NEEDS_FIRST = _("Record the first report before a follow-up or final report.")
MSG_BEFORE_FIRST = _("This report cannot have been sent before the first report (%(time)s).")
MSG_AFTER_FINAL = _(
    "The final report has been sent: only the final report by another channel may follow."
)
MSG_FINAL_STAGE = _(
    "The final report follows the conclusion of the disposal: record the outcome first."
)
MSG_DUPLICATE = _("This report was already recorded by this channel.")
MSG_SEQ = _("Follow-up reports are numbered in order: the next is number %(next)s.")
MSG_OWNER = _("The owner must be a member of staff who may see this incident.")
MSG_TASK = _("Choose an open task of this incident.")
MSG_NOT_YOUR_TASK = _(
    "Only the task's owner, the duty office or the leader in charge records its result."
)
MSG_NO_OPEN_TASK = _("There is no open task you may finish.")
MSG_NOTHING = _("Nothing was filled in.")
MSG_CONCLUSION_FIRST = _("The police conclusion comes after the police were notified.")


def duty_office(ctx) -> bool:
    """The duty office of the incident's own street (a whole-street reporter there)."""
    return ctx.case.street_id in ctx.reach.scope(Perm.INCIDENTS_REPORT).street_ids


def is_leader(ctx) -> bool:
    return (
        ctx.detail is not None and ctx.staff_id is not None and ctx.detail.leader_id == ctx.staff_id
    )


def pre_duty(ctx):
    return None if duty_office(ctx) else MSG_DUTY


def pre_duty_or_leader(ctx):
    return None if duty_office(ctx) or is_leader(ctx) else MSG_DUTY_OR_LEADER


def pre_unnatural(ctx):
    return None if rules.is_unnatural_death(ctx.case.category) else MSG_NOT_UNNATURAL


def _reports(ctx) -> list[Report]:
    return list(Report.objects.filter(incident_id=ctx.case.pk))


def _open_tasks(ctx):
    return Task.objects.filter(incident_id=ctx.case.pk, done_at__isnull=True)


def _guard(errors: Errors) -> None:
    """The first problem of a figures check, as a refusal."""
    try:
        errors.raise_if_any()
    except IncidentInvalid as problem:
        first = next(iter(problem.errors.values()))[0]
        checks.refuse(first)


# --------------------------------------------------------------------------- respond


def clean_respond(ctx) -> None:
    staff_id = checks.ident(ctx.payload.get("leader"), "leader")
    leader = Staff.objects.filter(pk=staff_id, user__is_active=True).first()
    # A leader of the incident's own street.
    if (
        leader is None
        or not RoleGrant.objects.filter(
            staff=leader, role=Role.LEADER, street_id=ctx.case.street_id
        ).exists()
    ):
        checks.refuse(MSG_NOT_A_LEADER)
    ctx.cleaned["leader"] = leader
    ctx.cleaned["measures"] = checks.text(ctx.payload.get("measures"), "measures")
    ctx.note = checks.text(ctx.payload.get("note"), "note")


def apply_respond(ctx) -> None:
    incident = ctx.detail
    incident.leader = ctx.cleaned["leader"]
    fields = ["leader"]
    if ctx.cleaned["measures"]:
        incident.measures = ctx.cleaned["measures"]
        fields.append("measures")
    incident.save(update_fields=fields)
    ctx.data = {"leader": incident.leader.name}
    ctx.diff["leader"] = incident.leader_id


# --------------------------------------------------------------------------- the situation


SITUATION = (
    "people_count",
    "demands",
    "deaths",
    "missing",
    "serious_injuries",
    "minor_injuries",
    "direct_loss",
    "loss_note",
    "measures",
)
CASUALTIES = ("deaths", "missing", "serious_injuries", "minor_injuries")


def clean_situation(ctx) -> None:
    given = {key: ctx.payload[key] for key in (*SITUATION, "grade") if key in ctx.payload}
    if not given and not ctx.payload.get("note"):
        checks.refuse(MSG_NOTHING)
    errors = Errors()
    merged = {key: getattr(ctx.detail, key) for key in SITUATION}
    merged.update(given)
    figures: dict = {}
    clean_figures(merged, errors, figures)
    chosen = ctx.detail.grade
    if "grade" in given and not checks.blank(given["grade"]):
        from huiyin.incidents.grading import Grade

        chosen = errors.guard("grade", checks.choice, given["grade"], "grade", Grade)
    _guard(errors)
    figures["grade"], figures["grade_derived"] = derive_grade(ctx.case.category, chosen, figures)
    ctx.cleaned.update(figures)
    ctx.note = checks.text(ctx.payload.get("note"), "note")


def apply_situation(ctx) -> None:
    incident = ctx.detail
    changed = []
    for key in (*SITUATION, "grade", "grade_derived"):
        if getattr(incident, key) != ctx.cleaned[key]:
            changed.append(key)
            setattr(incident, key, ctx.cleaned[key])
    if changed:
        incident.save(update_fields=changed)
    ctx.data = {
        "fields": [k for k in changed if k != "grade_derived"],
        "casualties_changed": bool(set(changed) & set(CASUALTIES)),
        "grade": incident.grade,
    }
    ctx.diff["fields"] = ctx.data["fields"]


# --------------------------------------------------------------------------- reports upward


def clean_report(ctx) -> None:
    p = ctx.payload
    kind = checks.choice(p.get("kind"), "kind", Report.Kind)
    channel = checks.choice(p.get("channel"), "channel", Report.Channel)
    sent_at = checks.moment(
        p.get("sent_at"), "sent_at", now=ctx.now, not_before=ctx.detail.learned_at
    )
    recipient = checks.text(p.get("recipient"), "recipient", required=True, limit=100)
    contents = checks.text(p.get("contents"), "contents", required=True)
    reports = _reports(ctx)
    firsts = [r for r in reports if r.kind == Report.Kind.FIRST]
    finals = [r for r in reports if r.kind == Report.Kind.FINAL]
    seq = 0
    if finals and kind != Report.Kind.FINAL:
        checks.refuse(MSG_AFTER_FINAL)
    if kind != Report.Kind.FIRST:
        if not firsts:
            checks.refuse(MSG_NEEDS_FIRST)
        earliest = min(r.sent_at for r in firsts)
        if sent_at < earliest:
            shown = timezone.localtime(earliest, CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            checks.refuse(MSG_BEFORE_FIRST, time=shown)
    if kind == Report.Kind.FINAL and ctx.case.status != Status.CONCLUDED:
        checks.refuse(MSG_FINAL_STAGE)
    if kind == Report.Kind.FOLLOW_UP:
        top = max((r.seq for r in reports if r.kind == kind), default=0)
        seq = top + 1
        if not checks.blank(p.get("seq")):
            seq = bounds.bounded_int(p.get("seq"), 1, top + 1)
            if seq is None:
                checks.refuse(MSG_SEQ, next=top + 1)
    if any(r.kind == kind and r.seq == seq and r.channel == channel for r in reports):
        checks.refuse(MSG_DUPLICATE)
    ctx.cleaned.update(
        kind=kind, channel=channel, sent_at=sent_at, recipient=recipient, contents=contents, seq=seq
    )


def apply_report(ctx) -> None:
    c = ctx.cleaned
    report = Report.objects.create(
        incident=ctx.detail,
        kind=c["kind"],
        seq=c["seq"],
        sent_at=c["sent_at"],
        recipient=c["recipient"],
        channel=c["channel"],
        contents=c["contents"],
        recorded_by=ctx.actor,
    )
    ctx.data = {
        "report": report.pk,
        "kind": report.kind,
        "seq": report.seq,
        "channel": report.channel,
        "recipient": report.recipient,
        "sent_at": report.sent_at.isoformat(),
        "delay_minutes": delay_minutes(ctx.detail.learned_at, report.sent_at),
    }
    ctx.diff["report"] = {"kind": report.kind, "seq": report.seq, "channel": report.channel}


# --------------------------------------------------------------------------- tasks


def may_see(staff: Staff, case: Case) -> bool:
    return Case.objects.visible_to(staff.user).filter(pk=case.pk).exists()


def clean_task(ctx) -> None:
    p = ctx.payload
    action = checks.choice(p.get("action"), "action", TaskAction)
    title = checks.text(p.get("task_title"), "task_title", required=True, limit=200)
    owner = (
        Staff.objects.filter(pk=checks.ident(p.get("owner"), "owner"), user__is_active=True)
        .select_related("user")
        .first()
    )
    if owner is None or not may_see(owner, ctx.case):
        checks.refuse(MSG_OWNER)
    due_at = checks.moment(
        p.get("due_at"), "due_at", now=ctx.now, future_ok=True, not_before=ctx.detail.learned_at
    )
    ctx.cleaned.update(action=action, title=title, owner=owner, due_at=due_at)


def apply_task(ctx) -> None:
    c = ctx.cleaned
    task = Task.objects.create(
        incident=ctx.detail,
        action=c["action"],
        title=c["title"],
        owner=c["owner"],
        due_at=c["due_at"],
        created_by=ctx.actor,
    )
    ctx.note = task.title
    ctx.data = {"task": task.pk, "owner": task.owner.name, "due_at": task.due_at.isoformat()}
    ctx.diff["task"] = task.pk


def pre_finish(ctx):
    tasks = _open_tasks(ctx)
    if duty_office(ctx) or is_leader(ctx):
        return None if tasks.exists() else MSG_NO_OPEN_TASK
    if ctx.staff_id is not None and tasks.filter(owner_id=ctx.staff_id).exists():
        return None
    return MSG_NO_OPEN_TASK


def clean_finish(ctx) -> None:
    pk = checks.ident(ctx.payload.get("task"), "task")
    task = _open_tasks(ctx).filter(pk=pk).select_for_update().first()
    if task is None:
        checks.refuse(MSG_TASK)
    if not (duty_office(ctx) or is_leader(ctx) or task.owner_id == ctx.staff_id):
        checks.refuse(MSG_NOT_YOUR_TASK)
    ctx.cleaned["task"] = task
    ctx.cleaned["result"] = checks.text(ctx.payload.get("result"), "result", required=True)


def apply_finish(ctx) -> None:
    task = ctx.cleaned["task"]
    task.done_at = ctx.now
    task.done_by = ctx.actor
    task.result = ctx.cleaned["result"]
    task.save(update_fields=["done_at", "done_by", "result"])
    ctx.note = task.result
    ctx.data = {"task": task.pk, "title": task.title}
    ctx.diff["task"] = task.pk


# --------------------------------------------------------------------------- unnatural death


def clean_police(ctx) -> None:
    p, incident = ctx.payload, ctx.detail
    notified = checks.moment(
        p.get("police_notified_at"), "police_notified_at", now=ctx.now, required=False
    )
    received = checks.moment(
        p.get("conclusion_received_at"), "conclusion_received_at", now=ctx.now, required=False
    )
    unit = checks.text(p.get("police_unit"), "police_unit", limit=100)
    conclusion = checks.text(p.get("police_conclusion"), "police_conclusion")
    if not any((notified, received, unit, conclusion)):
        checks.refuse(MSG_NOTHING)
    notified = notified or incident.police_notified_at
    if (received or conclusion) and notified is None:
        checks.refuse(MSG_CONCLUSION_FIRST)
    if received is not None and received < notified:
        checks.refuse(MSG_CONCLUSION_FIRST)
    if received is not None and not (conclusion or incident.police_conclusion):
        checks.refuse(checks.MSG_REQUIRED, field=checks.label("police_conclusion"))
    ctx.cleaned.update(
        police_notified_at=notified,
        conclusion_received_at=received or incident.conclusion_received_at,
        police_unit=unit or incident.police_unit,
        police_conclusion=conclusion or incident.police_conclusion,
    )


def apply_police(ctx) -> None:
    incident = ctx.detail
    changed = [k for k, v in ctx.cleaned.items() if getattr(incident, k) != v]
    for key in changed:
        setattr(incident, key, ctx.cleaned[key])
    if changed:
        incident.save(update_fields=changed)
    ctx.data = {"fields": changed}
    ctx.diff["fields"] = changed


def clean_kin(ctx) -> None:
    p = ctx.payload
    name = checks.text(p.get("kin_name"), "kin_name", required=True, limit=40)
    relation = checks.text(p.get("kin_relation"), "kin_relation", limit=20)
    phone = checks.text(p.get("kin_phone"), "kin_phone", limit=40)
    if phone:
        from django.core.exceptions import ValidationError

        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            checks.refuse(exc.messages[0])
    ctx.cleaned.update(name=name, relation=relation, phone=phone)


def apply_kin(ctx) -> None:
    incident, c = ctx.detail, ctx.cleaned
    incident.kin_name = c["name"]
    incident.kin_name_masked = masking.mask_name(c["name"])
    incident.kin_relation = c["relation"]
    incident.kin_phone = c["phone"]
    incident.kin_phone_masked = masking.mask_phone(c["phone"])
    incident.save(
        update_fields=[
            "kin_name",
            "kin_name_masked",
            "kin_relation",
            "kin_phone",
            "kin_phone_masked",
        ]
    )
    # Only the masked name reaches the timeline and the audit trail.
    ctx.data = {"kin": incident.kin_name_masked}
    ctx.diff["kin"] = "…"


# --------------------------------------------------------------------------- the end


def pre_conclude(ctx):
    message = pre_duty_or_leader(ctx)
    if message:
        return message
    if not Report.objects.filter(incident_id=ctx.case.pk, kind=Report.Kind.FIRST).exists():
        return MSG_NO_FIRST_REPORT
    open_count = _open_tasks(ctx).count()
    if open_count:
        return gettext(MSG_OPEN_TASKS) % {"count": open_count}
    return None


def clean_conclude(ctx) -> None:
    p = ctx.payload
    ctx.cleaned["outcome"] = checks.text(p.get("outcome"), "outcome", required=True)
    ctx.cleaned["aftermath"] = checks.text(p.get("aftermath"), "aftermath")
    ctx.cleaned["concluded_at"] = (
        checks.moment(
            p.get("concluded_at"),
            "concluded_at",
            now=ctx.now,
            not_before=ctx.detail.learned_at,
            required=False,
        )
        or ctx.now
    )


def apply_conclude(ctx) -> None:
    incident = ctx.detail
    for key, value in ctx.cleaned.items():
        setattr(incident, key, value)
    incident.save(update_fields=list(ctx.cleaned))
    ctx.note = incident.outcome


def pre_close(ctx):
    if not is_leader(ctx):
        return MSG_LEADER_ONLY
    if not (ctx.detail.outcome or "").strip():
        return MSG_NO_OUTCOME
    if not Report.objects.filter(incident_id=ctx.case.pk, kind=Report.Kind.FINAL).exists():
        return MSG_NO_FINAL_REPORT
    return None


def clean_note(ctx) -> None:
    ctx.note = checks.text(ctx.payload.get("note"), "note")


def clean_resume(ctx) -> None:
    ctx.note = checks.text(ctx.payload.get("note"), "note", required=True)


def clean_evaluate(ctx) -> None:
    ctx.cleaned["evaluation"] = checks.text(
        ctx.payload.get("evaluation"), "evaluation", required=True
    )
    ctx.cleaned["evaluated_on"] = checks.day(
        ctx.payload.get("evaluated_on"), "evaluated_on", today=timezone.localdate(ctx.now, CHINA_TZ)
    )


def apply_evaluate(ctx) -> None:
    incident = ctx.detail
    incident.evaluation = ctx.cleaned["evaluation"]
    incident.evaluated_on = ctx.cleaned["evaluated_on"]
    incident.save(update_fields=["evaluation", "evaluated_on"])
    ctx.note = incident.evaluation
