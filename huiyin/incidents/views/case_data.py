"""What the incident's case page shows, read once per page: the record, the reporting limits
with each report's delay, the reports, tasks, linked matters, risk notes and the timeline.

Every list is one query, whatever its length. The next of kin is shown masked; the full name
and phone are one audited reveal (a POST) for those who handle the incident.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from huiyin.cases import deadlines
from huiyin.cases.models import Case, CaseEvent
from huiyin.cases.workflow import event_label
from huiyin.incidents import reporting, rules, services
from huiyin.incidents.grading import Grade
from huiyin.incidents.models import Incident, Report, RiskNote, Source, Task, TaskAction
from huiyin.incidents.reporting import report_name


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def event_detail(event: CaseEvent) -> str:
    data, kind = event.data or {}, event.kind
    if kind == "clock_started" and data.get("code") in deadlines.LIMITS:
        return str(deadlines.LIMITS[data["code"]].label)
    if kind == "registered":
        parts = [_label(Source, data.get("source")), _label(Grade, data.get("grade"))]
        return " · ".join(p for p in parts if p)
    if kind == "respond":
        return data.get("leader", "")
    if kind == "record_report":
        parts = [
            report_name(data.get("kind", ""), data.get("seq") or 0),
            _label(Report.Channel, data.get("channel")),
            data.get("recipient", ""),
        ]
        if data.get("delay_minutes") is not None:
            parts.append(
                gettext("%(delay)s after the street learned of it")
                % {"delay": reporting.minutes_text(data["delay_minutes"])}
            )
        return " · ".join(p for p in parts if p)
    if kind == "add_task":
        return " · ".join(p for p in (data.get("owner", ""),) if p)
    if kind == "finish_task":
        return data.get("title", "")
    if kind == "record_kin":
        return data.get("kin", "")
    return ""


def record(case: Case, user) -> dict:
    """The page's data (see the module docstring)."""
    incident = Incident.objects.select_related("leader", "dispute_case", "petition_case").get(
        pk=case.pk
    )
    incident.case = case
    reports = list(Report.objects.filter(incident=incident).select_related("recorded_by"))
    for report in reports:
        report.name = report_name(report.kind, report.seq)
        report.delay_text = reporting.minutes_text(
            reporting.delay_minutes(incident.learned_at, report.sent_at)
        )
    now = timezone.now()
    limits = [
        {
            "code": d.code,
            "label": d.label,
            "limit": d.limit_text,
            "due_at": d.due_at,
            "sent_at": d.sent_at,
            "delay": d.delay_text,
            "on_time": d.on_time,
            "overdue": d.overdue(now),
            "late": d.late_text(now) if (d.on_time is False or d.overdue(now)) else "",
        }
        for d in reporting.deadlines_of(incident, reports)
    ]
    tasks = list(Task.objects.filter(incident=incident).select_related("owner"))
    for task in tasks:
        task.overdue = not task.done and task.due_at < now
        task.action_label = _label(TaskAction, task.action)
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("actor__staff", "case")
        .order_by("at", "id")
    )
    for event in events:
        event.display_label = event_label(case.kind, event.kind)
        event.detail = event_detail(event)
    until = reporting.supplement_until(incident)
    latest_report = max((r.sent_at for r in reports), default=None)
    changed = [
        e.at
        for e in events
        if e.kind == "update_situation" and (e.data or {}).get("casualties_changed")
    ]
    supplement_due = bool(
        until
        and changed
        and (latest_report is None or max(changed) > latest_report)
        and timezone.localtime(max(changed), deadlines.CHINA_TZ).date() <= until
    )
    return {
        "incident": incident,
        "reports": reports,
        "limits": limits,
        "district_note": reporting.district_note(),
        "tasks": tasks,
        "open_tasks": sum(1 for t in tasks if not t.done),
        "events": events,
        "supplement_until": until,
        "supplement_due": supplement_due,
        "is_safety": rules.is_safety(case.category),
        "is_unnatural": rules.is_unnatural_death(case.category),
        "type_class": rules.incident_class(case.category),
        "can_reveal_kin": bool(incident.kin_name_masked) and services.may_see_kin(user, case),
        **_links(incident, user),
        "risk_notes": list(
            RiskNote.objects.visible_to(user).filter(incident_case=case).order_by("-noted_on")
        ),
    }


def _links(incident: Incident, user) -> dict:
    """The dispute and petition behind the incident, linked when the person may see them."""
    out = {}
    for key, name in (("dispute_case", "disputes:detail"), ("petition_case", "petitions:detail")):
        linked = getattr(incident, key)
        visible = linked is not None and Case.objects.visible_to(user).filter(pk=linked.pk).exists()
        out[f"{key}_url"] = reverse(name, args=[linked.pk]) if visible else ""
    return out
