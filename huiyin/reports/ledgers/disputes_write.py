"""Writing one row of a dispute ledger: registered through the dispute services, then its
history as the ledger dates it.

:func:`write_row` registers the dispute with the registration's own code
(:func:`huiyin.disputes.registration.create_dispute`, given the fields its checks cleaned):
the number (调), the parties encrypted with their masked copies, the incoming transfer of a
court or police referral, the "registered" event, the clocks that run from the date received
(labour 15 days, a court period) and the audit entry. Then, as the petition import does
(``petitions_write.py``), the rest of the history is written as it happened, on the ledger's
dates, never today's:

* 受理日期: the mediation started; the one-month guideline clock runs from it;
* the end (调解成功 on the 协议生效日期; 调解不成功, 当事人拒绝调解, 已移交 on the 结案日期):
  the mediation clocks stop on that day, met or late as they were;
* an agreement (reached and effective on the 协议生效日期): a written one opens the parties'
  judicial-confirmation window (their clock, never the office's overdue), closed as lapsed
  when it ended unused before today, or stopped by the application (是否申请司法确认 = 是,
  the court's ruling with it); 履行情况 becomes one performance term "as the ledger records
  it", checked unless 履行中, with no clock — the ledger has no due date, and none is
  guessed; a 结案日期 closes it;
* the case's state and closing time; the mediators Huiyin knows (the first with an account
  owns the case, as when assigned); an "imported" event naming the file and the row and
  keeping what matched nothing (committee, mediators, 回访情况), which the export shows again.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import clocks as core_clocks
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.disputes import clocks, rules
from huiyin.disputes.models import (
    Agreement,
    Dispute,
    JudicialConfirmation,
    Outcome,
    Performance,
    Status,
    Transfer,
)
from huiyin.disputes.registration import DisputeInvalid, create_dispute, street_of
from huiyin.reports.ledgers.disputes_check import NOT_STATED, Row

__all__ = ["start_of_day", "write_row"]

MSG_IMPORTED_NOTE = _("Imported from the ledger {file}, row {row}.")
MSG_RECORDED = _("Recorded in an imported ledger")
MSG_TERM = _(
    "Performance as the imported ledger records it (its terms and due dates are not in the ledger)"
)
MSG_ORAL = _("Oral agreement recorded in an imported ledger (its content is not in the ledger)")
MSG_APPLIED = _(
    "Imported from a ledger: the court and the date applied are not in it; the date is the "
    "agreement's effective date."
)
MSG_REFUSED = _("The dispute services refused the row: {reason}")

#: The ledger's 调解结果 → (the state the case takes, the outcome recorded on the dispute).
ENDINGS = {
    "failed": (Status.FAILED, Outcome.FAILED),
    "refused": (Status.REFUSED, Outcome.REFUSED),
    "transferred": (Status.TRANSFERRED, Outcome.TRANSFERRED),
}


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def write_row(session, row: Row) -> None:
    """Register `row` and write its history, inside the import's transaction. A refusal of the
    services (which the row's check should have caught) is reported on the row: the import
    then writes nothing."""
    actor = session.actor
    cleaned = row.cleaned
    try:
        case = create_dispute(actor, cleaned, street_of(cleaned, actor), None)
    except DisputeInvalid as refusal:
        session.error(row.number, "", "", gettext(MSG_REFUSED).format(reason=refusal))
        return
    _History(session, case, row).write()


class _History:
    def __init__(self, session, case: Case, row: Row):
        self.session = session
        self.actor = session.actor
        self.case = case
        self.row = row
        self.dispute = Dispute.objects.get(pk=case.pk)
        self.dispute.case = case
        self.today = session.today

    def _save(self, obj, **fields) -> None:
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(fields))

    def write(self) -> None:
        row, case = self.row, self.case
        updates: dict = {}
        if row.mediators:
            self.dispute.mediators.set(row.mediators)
            lead = next((m.staff_id for m in row.mediators if m.staff_id), None)
            if lead is not None:
                updates["owner_id"] = lead
        status = Status.REGISTERED
        if row.started_on is not None:
            self._save(self.dispute, started_on=row.started_on)
            clocks.start(case, clocks.GUIDELINE, row.started_on, actor=self.actor)
            status = Status.MEDIATING
        closed_on = None
        if row.state == "agreement":
            status, closed_on = self._agreement()
        elif row.state in ENDINGS:
            status, outcome = ENDINGS[row.state]
            closed_on = row.closed_on
            self._end(outcome, closed_on, final=True)
            if row.state == "failed":
                self._save(self.dispute, failure_reason=gettext(MSG_RECORDED))
            if row.state == "transferred":
                Transfer.objects.create(
                    dispute=self.dispute,
                    direction=Transfer.Direction.OUT,
                    body_kind=Transfer.Body.OTHER,
                    body=gettext(NOT_STATED),
                    on=closed_on,
                    note=gettext(MSG_RECORDED),
                )
        if status != Status.REGISTERED:
            updates["status"] = status
        if closed_on is not None:
            updates["closed_at"] = start_of_day(closed_on)
        if updates:
            Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **updates)
        self._event(status)
        core_clocks.refresh_due(case)

    def _end(self, outcome: str, on: date, *, final: bool) -> None:
        fields = {"ended_on": on, "outcome": outcome}
        if final:
            fields["closed_on"] = on
        self._save(self.dispute, **fields)
        clocks.stop_mediation_clocks(self.case, on)

    def _agreement(self) -> tuple[str, date | None]:
        row = self.row
        on = row.effective_on
        written = row.form == Agreement.Form.WRITTEN
        agreement = Agreement.objects.create(
            dispute=self.dispute,
            form=row.form,
            reached_on=on,
            effective_on=on,
            content="" if written else gettext(MSG_ORAL),
            mediator=row.mediators[0] if row.mediators else None,
            copies=self.dispute.parties.count() + 1,
            recorded_by=self.actor,
        )
        self._end(Outcome.AGREEMENT, on, final=False)
        if written:
            self._confirmation(agreement, on)
        checked = row.performance not in (None, "pending")
        if row.performance is not None:
            Performance.objects.create(
                agreement=agreement,
                term=gettext(MSG_TERM)[:500],
                due_on=on,
                result=row.performance if checked else "",
                checked_on=(row.closed_on or on) if checked else None,
            )
        if row.closed_on is not None:
            self._save(self.dispute, closed_on=row.closed_on)
            return Status.CLOSED, row.closed_on
        return (Status.PERFORMING if checked else Status.AGREED), None

    def _confirmation(self, agreement: Agreement, on: date) -> None:
        """The parties' window from the effective date (人民调解法 art. 33): used, or closed as
        lapsed once its last day passed (as ``huiyin tick`` closes it), or still open."""
        case, row = self.case, self.row
        window = clocks.start(
            case, clocks.CONFIRMATION, on, actor=self.actor, party=Clock.Party.PETITIONER
        )
        if row.applied:
            JudicialConfirmation.objects.create(
                agreement=agreement,
                court=gettext(NOT_STATED),
                applied_on=on,
                warning=rules.confirmation_warning(case.category),
                result=row.ruling or "",
                note=gettext(MSG_APPLIED),
            )
            core_clocks.stop_clock(case, clocks.CONFIRMATION, on=on)
        elif window.due_on < self.today:
            core_clocks.stop_clock(
                case, clocks.CONFIRMATION, on=window.due_on, outcome=Clock.Outcome.LAPSED
            )

    def _event(self, status: str) -> None:
        row = self.row
        data: dict = {"source": self.session.filename, "row": row.number}
        if row.ledger_number:
            data["ledger_number"] = row.ledger_number
        kept = dict(row.kept)
        if row.follow_up:
            kept["follow_up"] = row.follow_up
        if kept:
            data["kept"] = kept
        CaseEvent.objects.create(
            case=self.case,
            actor=self.actor,
            kind="imported",
            to_status=status,
            note=gettext(MSG_IMPORTED_NOTE).format(file=self.session.filename, row=row.number),
            data=data,
        )
