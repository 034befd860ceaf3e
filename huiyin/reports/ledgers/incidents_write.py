"""Writing one row of an incident ledger: registered through the incidents' registration, then
its history as the ledger dates it.

:func:`write_row` registers the incident with the registration's own code
(:func:`huiyin.incidents.registration.create_incident`, given the fields its checks cleaned):
the number (事), the case received at the moment learned of, the incident with its figures and
grade, the "registered" event and the audit entry. Then, as the dispute import does
(``disputes_write.py``), the rest is written as it happened, on the ledger's times, never now:

* 首报时间: the first report upward (初报), sent then; its recipient and channel are not in the
  ledger and are recorded as not stated (the delay — sent − learned — is the ledger's);
* 处置负责领导: the leader in charge when Huiyin knows that leader (being handled);
* 办结日期 with 处置结果: the disposal concluded on that day (at the moment learned of, when it
  was concluded the same day) with that outcome; without 办结日期, 处置结果 is the measures taken;
* the reporting limits that had passed are marked as reminded, so ``huiyin tick`` does not ring
  the bell for history;
* an "imported" event naming the file and the row and keeping what matched nothing (the leader
  as written), which the export shows again.
"""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent
from huiyin.incidents import reporting
from huiyin.incidents.models import Incident, Report, Status
from huiyin.incidents.registration import MSG_PLACE, create_incident, street_of
from huiyin.reports.ledgers.incidents_check import Row

__all__ = ["NOT_STATED", "write_row"]

MSG_IMPORTED_NOTE = _("Imported from the ledger {file}, row {row}.")
MSG_REPORT = _(
    "First report as the imported ledger records it (its contents are not in the ledger)"
)
#: What the first report gets for its recipient (the ledger has no column for it).
NOT_STATED = _("Not stated in the ledger")


def write_row(session, row: Row) -> None:
    """Register `row` and write its history, inside the import's transaction."""
    actor = session.actor
    cleaned = row.cleaned
    street = street_of(cleaned, actor)
    if street is None:
        session.error(row.number, "所属社区", "", MSG_PLACE)
        return
    case = create_incident(actor, cleaned, street, None)
    incident = Incident.objects.get(pk=case.pk)
    incident.case = case
    reports = []
    if row.first_sent is not None:
        reports.append(
            Report.objects.create(
                incident=incident,
                kind=Report.Kind.FIRST,
                seq=0,
                sent_at=row.first_sent,
                recipient=gettext(NOT_STATED)[:100],
                channel=Report.Channel.OTHER,
                contents=gettext(MSG_REPORT),
                recorded_by=actor,
            )
        )
    fields: list[str] = []
    status = Status.REGISTERED
    if row.leader is not None:
        incident.leader = row.leader
        fields.append("leader")
        status = Status.HANDLING
    if row.concluded_on is not None:
        start = datetime.combine(row.concluded_on, time.min, tzinfo=CHINA_TZ)
        incident.concluded_at = max(start, incident.learned_at)
        incident.outcome = row.outcome
        fields += ["concluded_at", "outcome"]
        status = Status.CONCLUDED
    elif row.outcome:
        incident.measures = "\n".join(m for m in (incident.measures, row.outcome) if m)
        fields.append("measures")
    # History: the limits that passed before the import are not reminded as if overdue now.
    now = timezone.now()
    for deadline in reporting.deadlines_of(incident, reports):
        if deadline.due_at <= now:
            setattr(incident, reminders_column(deadline.code), deadline.due_at)
            fields.append(reminders_column(deadline.code))
    if fields:
        incident.save(update_fields=fields)
    if status != Status.REGISTERED:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, status=status)
    _event(session, case, row, status)


def reminders_column(code: str) -> str:
    """The incident's column that records the due moment reminded about (reminders.py)."""
    return {reporting.FIRST: "first_reminded_for", reporting.WRITTEN: "written_reminded_for"}[code]


def _event(session, case: Case, row: Row, status: str) -> None:
    data: dict = {"source": session.filename, "row": row.number}
    if row.ledger_number:
        data["ledger_number"] = row.ledger_number
    if row.first_sent is not None:
        data["first_report"] = row.first_sent.isoformat()
    if row.kept:
        data["kept"] = row.kept
    CaseEvent.objects.create(
        case=case,
        actor=session.actor,
        kind="imported",
        to_status=status,
        note=gettext(MSG_IMPORTED_NOTE).format(file=session.filename, row=row.number),
        data=data,
    )
