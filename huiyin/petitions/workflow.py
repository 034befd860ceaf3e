"""The petition workflow: states, transitions, who may fire them and what each does.

    registered ─accept→ accepted ─assign→ assigned ─start_handling→ handling ─reply→ replied
        │                 └──────────────── reply (the clerk answers directly) ───────┘
        ├─decline→ declined ─conclude→ concluded     (the decline notice is the answer)
    any decided state ─record_notice→ (same state; the petitioner told of the decision)
        └─transfer→ transferred ─conclude→ concluded (the transfer notice is the answer)
    registered ─object_return→ concluded   (assigned from above and not ours: returned, art. 23)
    replied ─conclude→ concluded
    replied|review_answered|concluded ─record_delivery→ (same state; the written answer received)
    replied|concluded ─request_review→ review_requested ─answer_review→ review_answered
    review_answered|concluded ─request_reexam→ reexam_requested ─answer_reexam→ reexam_answered
    reexam_requested ─hearing_start→ (same state) ─hearing_end→ (same state; art. 36)
    review_answered|reexam_answered ─conclude→ concluded
    accepted|assigned|handling ─extend→ (same state; by a leader, before the period ends)

Payload keys (see :data:`PAYLOAD`); dates may be ``date`` objects or ISO strings and default to
today where optional. Clocks (条例 articles in :mod:`huiyin.cases.deadlines`):

* registration starts ``register_transfer`` and ``acceptance_notice`` from the date received,
  and ``transfer_objection`` (5 working days) when the matter was assigned from above;
  accept / decline / transfer stop ``register_transfer`` and ``transfer_objection``;
  ``acceptance_notice`` (条例 art. 23) stops when the petitioner is TOLD: on the spot at
  registration, with the decision's "told on / manner", or later with ``record_notice``
  (a written reply stops it at the latest); it never runs when no notice is owed (name or
  address unclear). A declined or transferred matter concludes once the notice is recorded;
* accept starts ``handling`` (60 days) from the decision date; extend moves its due date, by at
  most 30 days in total (条例 art. 34), approved before the period ends, the reason told to the
  petitioner (date and manner recorded). "Only once" is the office's own rule
  (``HUIYIN_PETITION_EXTEND_ONCE``, default on). An extension approved on or after the due date
  is refused, or — with ``HUIYIN_PETITION_LATE_EXTENSION_RECORDED`` — recorded as late without
  moving the clock (the handling stays late); reply stops it;
* the petitioner's windows (``review_request``, ``reexam_request``; 条例 art. 35, 36) run from
  the day the WRITTEN answer (the reply, the review answer) was delivered (送达): handed over
  in person (that day unless another is given), by post or electronically with the date of
  receipt. A reply by phone alone is no written answer, and a posted one not yet received has
  no date: the window waits for ``record_delivery``;
* request_review closes that window and records the reviewing body (上一级) and the day it
  received the request: ``review_answer`` runs 30 days from that day and is the office's
  clock only when the body is this street (``AnswerBody.STREET``), else another body's
  (``Clock.Party.OTHER_BODY``: shown, never in the street's due dates or overdue figures);
  answer_review stops it (its delivery opens ``reexam_request``); request_reexam does the
  same for ``reexam_answer``; hearing_start / hearing_end suspend and resume it (the hearing's
  days, both ends included, are not counted: the due date moves by them, 条例 art. 36);
  answer_reexam stops it and closes the facts (条例 art. 36);
* object_return (条例 art. 23): a matter assigned from above that is not the street's; the
  street objects with reasons, the sender agrees (date) and takes the file back. It stops
  ``transfer_objection`` (met within its 5 working days, else late) and ``register_transfer``
  on the day of the objection, cancels the acceptance notice (the sender owes it now) and
  concludes the case with the outcome "returned to the sender" — not a transfer.

A review (or re-examination) requested after its 30-day window is RECORDED, flagged late, not
refused: the 条例 lets the review body decline a late request, and that decision is the clerk's
(answer it with the refusal); nothing in Huiyin stops a person asking.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from huiyin.cases import clocks
from huiyin.cases.deadlines import limit
from huiyin.cases.exceptions import TransitionRefused
from huiyin.cases.kinds import Kind, register_exclusion
from huiyin.cases.models import Clock
from huiyin.cases.workflow import Context, Transition, Workflow, register_workflow
from huiyin.org.models import RoleGrant, Staff, Unit
from huiyin.org.roles import Perm
from huiyin.petitions.models import (
    WRITTEN_DELIVERIES,
    AnswerBody,
    Channel,
    Delivery,
    Petition,
    PetitionRecusal,
    Referral,
    Status,
    TellManner,
)

S = Status

MSG_DATE_INVALID = _("“%(field)s” is not a valid date.")
MSG_DATE_FUTURE = _("“%(field)s” cannot be in the future.")
MSG_DATE_BEFORE = _("“%(field)s” cannot be earlier than %(date)s.")
MSG_EXTEND_ONCE = _("This office's rules allow only one extension of the handling period.")
MSG_EXTEND_EXPIRED = _(
    "The handling period ended on %(date)s and can no longer be extended (Regulations art. 34: "
    "an extension is approved before the period ends)."
)
MSG_TOLD_MANNER = _("Choose how the petitioner was told.")
MSG_NOTICE_NOT_WAITING = _("No notice of the decision is waiting to be recorded.")
MSG_NOTICE_FIRST = _(
    "Record when and how the petitioner was told of the decision before concluding "
    "(Regulations art. 23)."
)
MSG_TOLD_NOTE = _("Told on %(date)s (%(manner)s).")
MSG_NO_HANDLING_PERIOD = _("There is no running handling period to extend.")
MSG_EXTEND_NOT_LATER = _("The new time limit must be later than the current one, %(date)s.")
MSG_EXTEND_TOO_LONG = _(
    "Extensions add at most %(days)s days in total to the time limit %(base)s: the new time "
    "limit can be %(date)s at the latest (Regulations art. 34)."
)
MSG_NO_REPLY = _("A matter cannot be concluded without a reply on record.")
MSG_REQUEST_PENDING = _("A review or re-examination request is waiting for its answer.")
MSG_ASSIGN_COMPLAINED = _("The matter cannot be assigned to the unit it complains about.")
MSG_UNIT_UNKNOWN = _("Choose a unit of this street.")
MSG_HANDLER_NOT_IN_UNIT = _("The handler must belong to the unit the matter is assigned to.")
MSG_HANDLER_CONCERNED = _(
    "%(name)s may not handle this matter: it complains about them, or they stepped aside "
    "(Regulations art. 28, 30). Choose another handler."
)
MSG_DELIVERY = _("Choose how the reply was delivered.")
MSG_REFERRAL = _("Choose where the matter belongs instead.")
MSG_NOTHING_TO_REVIEW = _("There is no reply for a review to be requested about.")
MSG_REVIEW_ALREADY = _("A review was already requested for this matter.")
MSG_NOTHING_TO_REEXAMINE = _(
    "There is no review answer for a re-examination to be requested about."
)
MSG_REEXAM_ALREADY = _("A re-examination was already requested for this matter.")
MSG_DELIVERY_NOT_WRITTEN = _(
    "A reply by phone is not the written answer: record the date of delivery once the written "
    "answer is handed over, posted and received, or delivered electronically "
    "(Regulations art. 35)."
)
MSG_NOTHING_TO_DELIVER = _("No written answer is waiting for its delivery to be recorded.")
MSG_ANSWER_BODY = _("Choose the body that answers the request.")
MSG_NO_REEXAM_CLOCK = _("There is no running re-examination time limit.")
MSG_HEARING_RUNNING = _("A hearing is under way: record its end first.")
MSG_NO_HEARING = _("No hearing is under way.")
MSG_HEARING_STARTED = _(
    "Hearing from %(date)s: the re-examination time limit is suspended (Regulations art. 36)."
)
MSG_HEARING_ENDED = _(
    "Hearing ended on %(date)s: %(days)s day(s) not counted; the time limit moves from "
    "%(old)s to %(new)s (Regulations art. 36)."
)
MSG_NOT_ASSIGNED_FROM_ABOVE = _(
    "Only a matter assigned from above, before it is decided, can be objected to and returned "
    "(Regulations art. 23)."
)
MSG_DELIVERED_NOTE = _("Written answer delivered on %(date)s (%(manner)s).")

#: Readable names of the payload keys.
FIELDS = {
    "decided_on": _("Date of decision"),
    "reason": _("Reason"),
    "referral": _("Referred to"),
    "transferred_to": _("Transferred to"),
    "transfer_kind": _("Kind of transfer"),
    "unit": _("Unit"),
    "handler": _("Handler"),
    "new_due_on": _("New time limit"),
    "told_on": _("Date the petitioner was told"),
    "told_manner": _("How the petitioner was told"),
    "approved_on": _("Date approved"),
    "text": _("Text"),
    "facts": _("Facts found"),
    "basis": _("Basis in law or policy"),
    "replied_on": _("Date of reply"),
    "delivery": _("Delivery"),
    "concluded_on": _("Date of conclusion"),
    "requested_on": _("Date of request"),
    "answered_on": _("Date of answer"),
    "delivered_on": _("Date the written answer was received"),
    "body": _("Body that answers"),
    "body_received_on": _("Date that body received the request"),
    "hearing_started_on": _("Date the hearing began"),
    "hearing_ended_on": _("Date the hearing ended"),
    "objected_on": _("Date of the objection"),
    "agreed_on": _("Date the sender agreed"),
    "note": _("Note"),
}

DECIDE = (Perm.PETITIONS_DECIDE,)
#: Stopped by the decision itself (条例 art. 22, 23); the acceptance notice stops when told.
OFFICE_DECISION_CLOCKS = ("register_transfer", "transfer_objection")
NOTICE_CLOCK = "acceptance_notice"


# --------------------------------------------------------------------------- helpers


def _refuse(message, **params):
    """Raise TransitionRefused; `params` fill the (translated) message's placeholders."""
    raise TransitionRefused(str(message) % params if params else message)


def _field(key: str) -> str:
    return str(FIELDS.get(key, key))


def _date(ctx: Context, key: str, *, not_before: date | None = None, future_ok=False) -> date:
    """The payload date `key` (today when absent), checked not future and not too early."""
    value = ctx.payload.get(key)
    if value in (None, ""):
        value = ctx.today
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            _refuse(MSG_DATE_INVALID, field=_field(key))
    elif not isinstance(value, date):
        _refuse(MSG_DATE_INVALID, field=_field(key))
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not future_ok and value > ctx.today:
        _refuse(MSG_DATE_FUTURE, field=_field(key))
    floor = ctx.case.received_on if not_before is None else not_before
    if value < floor:
        _refuse(MSG_DATE_BEFORE, field=_field(key), date=floor.isoformat())
    return value


def _text(ctx: Context, key: str) -> str:
    return (ctx.payload.get(key) or "").strip()


def _save(petition: Petition, **fields) -> None:
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.save(update_fields=list(fields))


def _stop_office_decision_clocks(ctx: Context, on: date) -> None:
    for code in OFFICE_DECISION_CLOCKS:
        clocks.stop_clock(ctx.case, code, on=on)


def _load(case, lock: bool) -> Petition:
    queryset = Petition.objects.select_for_update() if lock else Petition.objects
    return queryset.get(case_id=case.pk)


# --------------------------------------------------------------------------- acceptance


def _clean_decision(ctx: Context) -> None:
    ctx.cleaned["decided_on"] = _date(ctx, "decided_on")
    _clean_told(ctx, floor=ctx.cleaned["decided_on"], required=False)


def _record_notice(ctx: Context, told_on: date | None, manner: str) -> None:
    """The petitioner was told of the decision (条例 art. 23): the notice clock stops that day.
    Without `told_on` the clock keeps running until "record_notice"."""
    if told_on is None:
        return
    _save(ctx.detail, notice_told_on=told_on, notice_manner=manner)
    clocks.stop_clock(ctx.case, NOTICE_CLOCK, on=told_on)
    ctx.data.update(told_on=told_on.isoformat(), told_manner=manner)


def _apply_accept(ctx: Context) -> None:
    on = ctx.cleaned["decided_on"]
    _save(ctx.detail, accept_decision_on=on)
    _stop_office_decision_clocks(ctx, on)
    clocks.start_clock(ctx.case, "handling", on, actor=ctx.actor)
    ctx.note = _text(ctx, "note")
    ctx.data["decided_on"] = on.isoformat()
    _record_notice(ctx, ctx.cleaned["told_on"], ctx.cleaned["told_manner"])


def _clean_decline(ctx: Context) -> None:
    _clean_decision(ctx)
    referral = (ctx.payload.get("referral") or "").strip()
    if referral and referral not in Referral.values:
        _refuse(MSG_REFERRAL)
    ctx.cleaned["referral"] = referral


def _apply_decline(ctx: Context) -> None:
    on = ctx.cleaned["decided_on"]
    reason = _text(ctx, "reason")
    _save(
        ctx.detail,
        accept_decision_on=on,
        decline_reason=reason,
        referral_channel=ctx.cleaned["referral"],
    )
    _stop_office_decision_clocks(ctx, on)
    ctx.note = reason
    ctx.data.update(decided_on=on.isoformat(), referral=ctx.cleaned["referral"])
    _record_notice(ctx, ctx.cleaned["told_on"], ctx.cleaned["told_manner"])


MSG_TRANSFER_KIND = _("Choose the kind of transfer.")


def _clean_transfer(ctx: Context) -> None:
    from huiyin.petitions.models import TransferKind

    _clean_decision(ctx)
    # 检举控告 of a public official goes to the 纪检监察 body: its own kind of transfer.
    kind = str(ctx.payload.get("transfer_kind") or TransferKind.ORDINARY).strip()
    if kind not in TransferKind.values:
        _refuse(MSG_TRANSFER_KIND)
    ctx.cleaned["transfer_kind"] = kind


def _apply_transfer(ctx: Context) -> None:
    on = ctx.cleaned["decided_on"]
    to = _text(ctx, "transferred_to")
    kind = ctx.cleaned["transfer_kind"]
    _save(ctx.detail, accept_decision_on=on, transferred_to=to, transfer_kind=kind)
    _stop_office_decision_clocks(ctx, on)
    ctx.note = _text(ctx, "note")
    ctx.data.update(decided_on=on.isoformat(), transferred_to=to, transfer_kind=kind)
    _record_notice(ctx, ctx.cleaned["told_on"], ctx.cleaned["told_manner"])


def _notice_precondition(ctx: Context):
    if (
        ctx.detail.accept_decision_on is None
        or clocks.running_clock(ctx.case, NOTICE_CLOCK) is None
    ):
        return MSG_NOTICE_NOT_WAITING
    return None


def _clean_notice(ctx: Context) -> None:
    _clean_told(ctx, floor=ctx.detail.accept_decision_on, required=True)


def _apply_notice(ctx: Context) -> None:
    told_on, manner = ctx.cleaned["told_on"], ctx.cleaned["told_manner"]
    _record_notice(ctx, told_on, manner)
    ctx.note = _text(ctx, "note") or str(MSG_TOLD_NOTE) % {
        "date": told_on.isoformat(),
        "manner": TellManner(manner).label,
    }


# --------------------------------------------------------------------------- assignment


def _resolve(model, value):
    if isinstance(value, model):
        return value
    try:
        return model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _clean_assign(ctx: Context) -> None:
    unit = _resolve(Unit, ctx.payload.get("unit"))
    if unit is None or unit.street_id != ctx.case.street_id:
        _refuse(MSG_UNIT_UNKNOWN)
    if unit.pk == ctx.detail.complained_unit_id:
        # 条例 art. 30, 46: never hand a matter to the unit it is about.
        _refuse(MSG_ASSIGN_COMPLAINED)
    handler = None
    if ctx.payload.get("handler") not in (None, ""):
        handler = _resolve(Staff, ctx.payload.get("handler"))
        in_unit = handler is not None and (
            handler.unit_id == unit.pk
            or RoleGrant.objects.filter(staff=handler, unit=unit).exists()
        )
        if not in_unit:
            _refuse(MSG_HANDLER_NOT_IN_UNIT)
        if handler.pk in concerned_staff_ids(ctx.detail):
            _refuse(MSG_HANDLER_CONCERNED, name=handler.name)
    ctx.cleaned.update(unit=unit, handler=handler)


def concerned_staff_ids(petition: Petition) -> set[int]:
    """Staff who may never be given the matter: the person complained about and whoever
    stepped aside from it (条例 art. 28, 30, 46)."""
    ids = set(
        PetitionRecusal.objects.filter(case_id=petition.pk).values_list("staff_id", flat=True)
    )
    if petition.complained_staff_id:
        ids.add(petition.complained_staff_id)
    return ids


def _apply_assign(ctx: Context) -> None:
    unit, handler = ctx.cleaned["unit"], ctx.cleaned["handler"]
    ctx.update_case(owner_unit=unit, owner=handler)
    ctx.note = _text(ctx, "note")
    ctx.data.update(unit=unit.pk, unit_name=unit.name, handler=handler.pk if handler else None)


def _apply_start_handling(ctx: Context) -> None:
    if ctx.case.owner_id is None and ctx.staff_id is not None:
        ctx.update_case(owner=Staff.objects.get(pk=ctx.staff_id))
    ctx.note = _text(ctx, "note")


# --------------------------------------------------------------------------- extension


def _late_extension_recorded() -> bool:
    """The office's rule: record an extension approved after the period ended (default: no)."""
    return bool(getattr(settings, "HUIYIN_PETITION_LATE_EXTENSION_RECORDED", False))


def _extend_once() -> bool:
    """The office's rule: one extension only (default: yes). Art. 34 caps the total, not the
    number."""
    return bool(getattr(settings, "HUIYIN_PETITION_EXTEND_ONCE", True))


def _extensions(petition: Petition) -> int:
    # Rows from before the count was kept have an extension date and a count of 0.
    return max(petition.extension_count, 1 if petition.extended else 0)


def _extension_precondition(ctx: Context):
    if clocks.running_clock(ctx.case, "handling") is None:
        return MSG_NO_HANDLING_PERIOD
    if _extend_once() and _extensions(ctx.detail):
        return MSG_EXTEND_ONCE
    return None


def extension_limits(petition: Petition, clock) -> tuple[date, date]:
    """(the due date the 30 days count from, the latest new time limit) for `clock`."""
    base = petition.extension_from_due_on or clock.due_on
    return base, limit("extension_max").due(base).date


def _clean_told(ctx: Context, *, floor: date, required: bool) -> None:
    """``told_on`` and ``told_manner`` into ctx.cleaned: both or neither (a manner alone is
    dated `floor`); with `required`, both."""
    manner = (ctx.payload.get("told_manner") or "").strip()
    has_date = ctx.payload.get("told_on") not in (None, "")
    if manner and manner not in TellManner.values:
        _refuse(MSG_TOLD_MANNER)
    if (has_date or required) and not manner:
        _refuse(MSG_TOLD_MANNER)
    told_on = _date(ctx, "told_on", not_before=floor) if has_date else (floor if manner else None)
    ctx.cleaned.update(told_on=told_on, told_manner=manner)


def _clean_extend(ctx: Context) -> None:
    clock = clocks.running_clock(ctx.case, "handling")
    floor = ctx.detail.accept_decision_on or ctx.case.received_on
    approved_on = _date(ctx, "approved_on", not_before=floor)
    late = approved_on >= clock.due_on
    if late and not _late_extension_recorded():
        # 条例 art. 34: an extension is approved before the period ends.
        _refuse(MSG_EXTEND_EXPIRED, date=date_format(clock.due_on))
    new_due = _date(ctx, "new_due_on", future_ok=True)
    if new_due <= clock.due_on:
        _refuse(MSG_EXTEND_NOT_LATER, date=clock.due_on.isoformat())
    base, latest = extension_limits(ctx.detail, clock)
    if new_due > latest:
        _refuse(
            MSG_EXTEND_TOO_LONG,
            days=limit("extension_max").days,
            base=base.isoformat(),
            date=latest.isoformat(),
        )
    _clean_told(ctx, floor=approved_on, required=True)
    ctx.cleaned.update(
        new_due_on=new_due, approved_on=approved_on, late=late, old_due_on=clock.due_on, base=base
    )


def _apply_extend(ctx: Context) -> None:
    c = ctx.cleaned
    new_due, late = c["new_due_on"], c["late"]
    if not late:
        clocks.extend_clock(ctx.case, "handling", new_due_on=new_due)
    # A late extension leaves the clock as it was: the period ended, the handling is late.
    count = _extensions(ctx.detail) + 1
    _save(
        ctx.detail,
        extension_reason=_text(ctx, "reason"),
        extension_approved_by=Staff.objects.filter(pk=ctx.staff_id).first(),
        extension_approved_on=c["approved_on"],
        extension_due_on=new_due,
        extension_told_on=c["told_on"],
        extension_told_manner=c["told_manner"],
        extension_count=count,
        extension_from_due_on=c["base"],
        extension_late=ctx.detail.extension_late or late,
    )
    ctx.note = _text(ctx, "reason")
    ctx.data.update(
        old_due_on=c["old_due_on"].isoformat(),
        new_due_on=new_due.isoformat(),
        approved_on=c["approved_on"].isoformat(),
        told_on=c["told_on"].isoformat(),
        told_manner=c["told_manner"],
        late=late,
        count=count,
    )
    if not late:
        ctx.diff["handling_due_on"] = [c["old_due_on"], new_due]


# --------------------------------------------------------------------------- reply


def _clean_delivery(ctx: Context, *, answered_on: date, required: bool) -> None:
    """``delivery`` (how the answer was given) and ``delivered_on`` (the day the petitioner
    received the WRITTEN answer, 送达) into ctx.cleaned. In person is received the day it is
    given unless another day is named; by post or electronically only on the day named (else
    not yet); a call is never the written answer."""
    delivery = (ctx.payload.get("delivery") or "").strip()
    if (delivery or required) and delivery not in Delivery.values:
        _refuse(MSG_DELIVERY)
    has_date = ctx.payload.get("delivered_on") not in (None, "")
    if has_date and delivery not in WRITTEN_DELIVERIES:
        _refuse(MSG_DELIVERY_NOT_WRITTEN if delivery else MSG_DELIVERY)
    if has_date:
        delivered_on = _date(ctx, "delivered_on", not_before=answered_on)
    elif delivery == Delivery.IN_PERSON:
        delivered_on = answered_on
    else:
        delivered_on = None
    ctx.cleaned.update(delivery=delivery, delivered_on=delivered_on)


def _open_window(ctx: Context, window: str, delivered_on: date | None) -> None:
    """The petitioner's window from the day the written answer was received (if it was)."""
    if delivered_on is None:
        ctx.data["window_waits_for_delivery"] = True
        return
    clocks.start_clock(ctx.case, window, delivered_on, actor=ctx.actor)
    ctx.data["delivered_on"] = delivered_on.isoformat()


def _clean_reply(ctx: Context) -> None:
    floor = max(ctx.case.received_on, ctx.detail.accept_decision_on or ctx.case.received_on)
    ctx.cleaned["replied_on"] = _date(ctx, "replied_on", not_before=floor)
    _clean_delivery(ctx, answered_on=ctx.cleaned["replied_on"], required=True)


def _apply_reply(ctx: Context) -> None:
    on, delivered_on = ctx.cleaned["replied_on"], ctx.cleaned["delivered_on"]
    _save(
        ctx.detail,
        reply_facts=_text(ctx, "facts"),
        reply_basis=_text(ctx, "basis"),
        reply_text=_text(ctx, "text"),
        replied_on=on,
        reply_delivery=ctx.cleaned["delivery"],
        replied_by=ctx.actor,
        reply_delivered_on=delivered_on,
        reply_delivered_manner=ctx.cleaned["delivery"] if delivered_on else "",
    )
    clocks.stop_clock(ctx.case, "handling", on=on)
    # The written reply tells the petitioner the matter was taken up, at the latest.
    if clocks.stop_clock(ctx.case, NOTICE_CLOCK, on=on) is not None:
        ctx.data["notice_by_reply"] = True
    ctx.note = _text(ctx, "text")
    ctx.data.update(replied_on=on.isoformat(), delivery=ctx.cleaned["delivery"])
    _open_window(ctx, "review_request", delivered_on)


# --------------------------------------------------------------------------- delivery (送达)


def _awaiting_delivery(petition: Petition) -> str | None:
    """Which written answer waits for its delivery to be recorded: "review_answer", "reply"
    or None. Only while the petitioner's next step has not been taken already."""
    if petition.review_answered_on is not None:
        if petition.review_answer_delivered_on is None and petition.reexam_requested_on is None:
            return "review_answer"
        return None
    if (
        petition.has_reply
        and petition.reply_delivered_on is None
        and petition.review_requested_on is None
    ):
        return "reply"
    return None


def _delivery_precondition(ctx: Context):
    return None if _awaiting_delivery(ctx.detail) else MSG_NOTHING_TO_DELIVER


def _clean_record_delivery(ctx: Context) -> None:
    p = ctx.detail
    answer = _awaiting_delivery(p)
    answered_on = p.review_answered_on if answer == "review_answer" else p.replied_on
    # `delivered_on` is required here: a call is refused, a written manner dated.
    _clean_delivery(ctx, answered_on=answered_on, required=True)
    ctx.cleaned["answer"] = answer


def _apply_record_delivery(ctx: Context) -> None:
    on, manner, answer = (ctx.cleaned[k] for k in ("delivered_on", "delivery", "answer"))
    if answer == "review_answer":
        _save(ctx.detail, review_answer_delivered_on=on, review_answer_delivered_manner=manner)
        window = "reexam_request"
    else:
        _save(ctx.detail, reply_delivered_on=on, reply_delivered_manner=manner)
        window = "review_request"
    ctx.note = _text(ctx, "note") or str(MSG_DELIVERED_NOTE) % {
        "date": on.isoformat(),
        "manner": Delivery(manner).label,
    }
    ctx.data.update(answer=answer, delivery=manner)
    _open_window(ctx, window, on)


# --------------------------------------------------------------------------- conclusion


def _conclude_precondition(ctx: Context):
    if ctx.case.status in (S.DECLINED, S.TRANSFERRED):
        # The decline or transfer notice is the answer: it must have been given.
        if clocks.running_clock(ctx.case, NOTICE_CLOCK) is not None:
            return MSG_NOTICE_FIRST
        return None
    if not ctx.detail.has_reply:
        return MSG_NO_REPLY
    if ctx.case.status in (S.REVIEW_REQUESTED, S.REEXAM_REQUESTED):
        return MSG_REQUEST_PENDING
    return None


def _clean_conclude(ctx: Context) -> None:
    p = ctx.detail
    floor = max(
        d
        for d in (
            ctx.case.received_on,
            p.accept_decision_on,
            p.replied_on,
            p.review_answered_on,
            p.reexam_answered_on,
        )
        if d is not None
    )
    ctx.cleaned["concluded_on"] = _date(ctx, "concluded_on", not_before=floor)


def _apply_conclude(ctx: Context) -> None:
    on = ctx.cleaned["concluded_on"]
    _save(ctx.detail, concluded_on=on)
    ctx.note = _text(ctx, "note")
    ctx.data["concluded_on"] = on.isoformat()
    if ctx.from_status in (S.DECLINED, S.TRANSFERRED):
        ctx.data["answer"] = (
            "decline_notice" if ctx.from_status == S.DECLINED else "transfer_notice"
        )


# --------------------------------------------------------------------------- review, re-examination


def _review_precondition(ctx: Context):
    if not ctx.detail.has_reply:
        return MSG_NOTHING_TO_REVIEW
    if ctx.detail.review_requested_on is not None:
        return MSG_REVIEW_ALREADY
    return None


def _reexam_precondition(ctx: Context):
    if ctx.detail.review_answered_on is None:
        return MSG_NOTHING_TO_REEXAMINE
    if ctx.detail.reexam_requested_on is not None:
        return MSG_REEXAM_ALREADY
    return None


def _answer_party(body: str) -> str:
    """Whose the answer clock is: the street's only when the street is the answering body."""
    return Clock.Party.OFFICE if body == AnswerBody.STREET else Clock.Party.OTHER_BODY


def _clean_request(ctx: Context, *, answered_on: date, delivered_on: date | None) -> None:
    on = _date(ctx, "requested_on", not_before=answered_on)
    body = (ctx.payload.get("body") or "").strip()
    if body not in AnswerBody.values:
        _refuse(MSG_ANSWER_BODY)
    received = on
    if ctx.payload.get("body_received_on") not in (None, ""):
        received = _date(ctx, "body_received_on", not_before=on)
    ctx.cleaned.update(
        requested_on=on, body=body, body_received_on=received, delivered_on=delivered_on
    )


def _clean_request_review(ctx: Context) -> None:
    p = ctx.detail
    _clean_request(ctx, answered_on=p.replied_on, delivered_on=p.reply_delivered_on)


def _clean_request_reexam(ctx: Context) -> None:
    p = ctx.detail
    _clean_request(ctx, answered_on=p.review_answered_on, delivered_on=p.review_answer_delivered_on)


def _request(ctx: Context, *, window: str, answer_clock: str, prefix: str) -> None:
    c = ctx.cleaned
    on, body, received = c["requested_on"], c["body"], c["body_received_on"]
    delivered_on = c["delivered_on"]
    # Late only against a window that ran: without a recorded written delivery it never began.
    late = delivered_on is not None and on > limit(window).due(delivered_on).date
    _save(
        ctx.detail,
        **{
            f"{prefix}_requested_on": on,
            f"{prefix}_request_text": _text(ctx, "text"),
            f"{prefix}_request_late": late,
            f"{prefix}_body": body,
            f"{prefix}_received_on": received,
            "concluded_on": None,
        },
    )
    clocks.stop_clock(ctx.case, window, on=on)
    clocks.start_clock(ctx.case, answer_clock, received, actor=ctx.actor, party=_answer_party(body))
    ctx.note = _text(ctx, "text")
    ctx.data.update(
        requested_on=on.isoformat(),
        late=late,
        body=body,
        body_received_on=received.isoformat(),
        answered_by_street=body == AnswerBody.STREET,
    )


def _apply_request_review(ctx: Context) -> None:
    _request(ctx, window="review_request", answer_clock="review_answer", prefix="review")


def _apply_request_reexam(ctx: Context) -> None:
    _request(ctx, window="reexam_request", answer_clock="reexam_answer", prefix="reexam")


def _clean_answer_review(ctx: Context) -> None:
    on = _date(ctx, "answered_on", not_before=ctx.detail.review_requested_on)
    ctx.cleaned["answered_on"] = on
    _clean_delivery(ctx, answered_on=on, required=False)


def _apply_answer_review(ctx: Context) -> None:
    on, delivered_on = ctx.cleaned["answered_on"], ctx.cleaned["delivered_on"]
    _save(
        ctx.detail,
        review_answered_on=on,
        review_answer_text=_text(ctx, "text"),
        review_answer_delivered_on=delivered_on,
        review_answer_delivered_manner=ctx.cleaned["delivery"] if delivered_on else "",
    )
    clocks.stop_clock(ctx.case, "review_answer", on=on)
    ctx.note = _text(ctx, "text")
    ctx.data["answered_on"] = on.isoformat()
    if ctx.cleaned["delivery"]:
        ctx.data["delivery"] = ctx.cleaned["delivery"]
    _open_window(ctx, "reexam_request", delivered_on)


def _clean_answer_reexam(ctx: Context) -> None:
    clock = clocks.running_clock(ctx.case, "reexam_answer")
    if clock is not None and clock.suspended_on is not None:
        _refuse(MSG_HEARING_RUNNING)
    ctx.cleaned["answered_on"] = _date(
        ctx, "answered_on", not_before=ctx.detail.reexam_requested_on
    )


def _apply_answer_reexam(ctx: Context) -> None:
    on = ctx.cleaned["answered_on"]
    _save(
        ctx.detail,
        reexam_answered_on=on,
        reexam_answer_text=_text(ctx, "text"),
        reexam_closed_facts=True,
    )
    clocks.stop_clock(ctx.case, "reexam_answer", on=on)
    ctx.note = _text(ctx, "text")
    ctx.data["answered_on"] = on.isoformat()


# --------------------------------------------------------------------------- hearings (听证)


def _hearing_start_precondition(ctx: Context):
    clock = clocks.running_clock(ctx.case, "reexam_answer")
    if clock is None:
        return MSG_NO_REEXAM_CLOCK
    if clock.suspended_on is not None:
        return MSG_HEARING_RUNNING
    return None


def _hearing_end_precondition(ctx: Context):
    clock = clocks.running_clock(ctx.case, "reexam_answer")
    if clock is None or clock.suspended_on is None:
        return MSG_NO_HEARING
    return None


def _clean_hearing_start(ctx: Context) -> None:
    clock = clocks.running_clock(ctx.case, "reexam_answer")
    ctx.cleaned["on"] = _date(ctx, "hearing_started_on", not_before=clock.started_on)


def _apply_hearing_start(ctx: Context) -> None:
    on = ctx.cleaned["on"]
    clock = clocks.suspend_clock(ctx.case, "reexam_answer", on=on)
    ctx.note = _text(ctx, "note") or str(MSG_HEARING_STARTED) % {"date": on.isoformat()}
    ctx.data.update(hearing_started_on=on.isoformat(), due_on=clock.due_on.isoformat())


def _clean_hearing_end(ctx: Context) -> None:
    clock = clocks.running_clock(ctx.case, "reexam_answer")
    ctx.cleaned["on"] = _date(ctx, "hearing_ended_on", not_before=clock.suspended_on)


def _apply_hearing_end(ctx: Context) -> None:
    on = ctx.cleaned["on"]
    started_on = clocks.running_clock(ctx.case, "reexam_answer").suspended_on
    clock, old_due, days = clocks.resume_clock(ctx.case, "reexam_answer", on=on)
    params = {
        "date": on.isoformat(),
        "days": days,
        "old": old_due.isoformat(),
        "new": clock.due_on.isoformat(),
    }
    ctx.note = _text(ctx, "note") or str(MSG_HEARING_ENDED) % params
    ctx.data.update(
        hearing_started_on=started_on.isoformat(),
        hearing_ended_on=on.isoformat(),
        days_not_counted=days,
        old_due_on=old_due.isoformat(),
        new_due_on=clock.due_on.isoformat(),
    )
    ctx.diff["reexam_answer_due_on"] = [old_due, clock.due_on]


# --------------------------------------------------------------------------- objection (art. 23)


def _objection_precondition(ctx: Context):
    if (
        ctx.detail.channel != Channel.ASSIGNED
        or clocks.running_clock(ctx.case, "transfer_objection") is None
    ):
        return MSG_NOT_ASSIGNED_FROM_ABOVE
    return None


def _clean_object_return(ctx: Context) -> None:
    objected_on = _date(ctx, "objected_on")
    agreed_on = _date(ctx, "agreed_on", not_before=objected_on)
    ctx.cleaned.update(objected_on=objected_on, agreed_on=agreed_on)


def _apply_object_return(ctx: Context) -> None:
    objected_on, agreed_on = ctx.cleaned["objected_on"], ctx.cleaned["agreed_on"]
    reason = _text(ctx, "reason")
    objection = clocks.stop_clock(ctx.case, "transfer_objection", on=objected_on)
    clocks.stop_clock(ctx.case, "register_transfer", on=objected_on)
    # The sender has the matter again and owes the petitioner the notice (art. 23).
    clocks.cancel_clock(ctx.case, NOTICE_CLOCK, on=objected_on)
    _save(
        ctx.detail,
        objected_on=objected_on,
        objection_reason=reason,
        sender_agreed_on=agreed_on,
        concluded_on=agreed_on,
    )
    ctx.note = reason
    ctx.data.update(
        objected_on=objected_on.isoformat(),
        agreed_on=agreed_on.isoformat(),
        sender=ctx.detail.assigned_by,
        late=objection.outcome == Clock.Outcome.LATE,
        answer="returned_to_sender",
    )


# --------------------------------------------------------------------------- the table

NOT_CONCLUDED = tuple(s for s in S.values if s != S.CONCLUDED)

TRANSITIONS = (
    Transition(
        "accept",
        (S.REGISTERED,),
        S.ACCEPTED,
        DECIDE,
        _("Accept"),
        optional=("decided_on", "told_on", "told_manner", "note"),
        clean=_clean_decision,
        apply=_apply_accept,
    ),
    Transition(
        "decline",
        (S.REGISTERED,),
        S.DECLINED,
        DECIDE,
        _("Decline"),
        requires=("reason",),
        optional=("referral", "decided_on", "told_on", "told_manner"),
        clean=_clean_decline,
        apply=_apply_decline,
    ),
    Transition(
        "transfer",
        (S.REGISTERED,),
        S.TRANSFERRED,
        DECIDE,
        _("Transfer"),
        requires=("transferred_to",),
        optional=("transfer_kind", "decided_on", "told_on", "told_manner", "note"),
        clean=_clean_transfer,
        apply=_apply_transfer,
    ),
    Transition(
        "record_notice",
        tuple(s for s in S.values if s != S.REGISTERED),
        None,
        DECIDE,
        _("Record the notice to the petitioner"),
        requires=("told_on", "told_manner"),
        optional=("note",),
        precondition=_notice_precondition,
        clean=_clean_notice,
        apply=_apply_notice,
    ),
    Transition(
        "object_return",
        (S.REGISTERED,),
        S.CONCLUDED,
        DECIDE,
        _("Object and return to the sender"),
        requires=("reason", "agreed_on"),
        optional=("objected_on",),
        precondition=_objection_precondition,
        clean=_clean_object_return,
        apply=_apply_object_return,
    ),
    Transition(
        "assign",
        (S.ACCEPTED, S.ASSIGNED, S.HANDLING),
        S.ASSIGNED,
        DECIDE,
        _("Assign"),
        requires=("unit",),
        optional=("handler", "note"),
        clean=_clean_assign,
        apply=_apply_assign,
    ),
    Transition(
        "start_handling",
        (S.ASSIGNED,),
        S.HANDLING,
        (Perm.PETITIONS_HANDLE,),
        _("Start handling"),
        optional=("note",),
        apply=_apply_start_handling,
    ),
    Transition(
        "extend",
        (S.ACCEPTED, S.ASSIGNED, S.HANDLING),
        None,
        (Perm.PETITIONS_APPROVE,),
        _("Extend the handling period"),
        requires=("reason", "new_due_on", "told_on", "told_manner"),
        optional=("approved_on",),
        precondition=_extension_precondition,
        clean=_clean_extend,
        apply=_apply_extend,
    ),
    Transition(
        "reply",
        (S.ACCEPTED, S.ASSIGNED, S.HANDLING),
        S.REPLIED,
        (Perm.PETITIONS_HANDLE, Perm.PETITIONS_DECIDE),
        _("Reply"),
        requires=("text", "delivery"),
        # 条例 art. 32: the reply form asks for the facts and the basis; a reply taken from an
        # old ledger may have only its text.
        optional=("facts", "basis", "replied_on", "delivered_on"),
        clean=_clean_reply,
        apply=_apply_reply,
    ),
    Transition(
        "record_delivery",
        (S.REPLIED, S.REVIEW_ANSWERED, S.CONCLUDED),
        None,
        DECIDE,
        _("Record the delivery of the written answer"),
        requires=("delivery", "delivered_on"),
        optional=("note",),
        precondition=_delivery_precondition,
        clean=_clean_record_delivery,
        apply=_apply_record_delivery,
    ),
    Transition(
        "conclude",
        NOT_CONCLUDED,
        S.CONCLUDED,
        DECIDE,
        _("Conclude"),
        optional=("concluded_on", "note"),
        precondition=_conclude_precondition,
        clean=_clean_conclude,
        apply=_apply_conclude,
    ),
    Transition(
        "request_review",
        (S.REPLIED, S.CONCLUDED),
        S.REVIEW_REQUESTED,
        DECIDE,
        _("Record a review request"),
        requires=("body",),
        optional=("requested_on", "body_received_on", "text"),
        precondition=_review_precondition,
        clean=_clean_request_review,
        apply=_apply_request_review,
    ),
    Transition(
        "answer_review",
        (S.REVIEW_REQUESTED,),
        S.REVIEW_ANSWERED,
        DECIDE,
        _("Record the review answer"),
        requires=("text",),
        optional=("answered_on", "delivery", "delivered_on"),
        clean=_clean_answer_review,
        apply=_apply_answer_review,
    ),
    Transition(
        "request_reexam",
        (S.REVIEW_ANSWERED, S.CONCLUDED),
        S.REEXAM_REQUESTED,
        DECIDE,
        _("Record a re-examination request"),
        requires=("body",),
        optional=("requested_on", "body_received_on", "text"),
        precondition=_reexam_precondition,
        clean=_clean_request_reexam,
        apply=_apply_request_reexam,
    ),
    Transition(
        "hearing_start",
        (S.REEXAM_REQUESTED,),
        None,
        DECIDE,
        _("Hearing begins"),
        optional=("hearing_started_on", "note"),
        precondition=_hearing_start_precondition,
        clean=_clean_hearing_start,
        apply=_apply_hearing_start,
    ),
    Transition(
        "hearing_end",
        (S.REEXAM_REQUESTED,),
        None,
        DECIDE,
        _("Hearing ends"),
        optional=("hearing_ended_on", "note"),
        precondition=_hearing_end_precondition,
        clean=_clean_hearing_end,
        apply=_apply_hearing_end,
    ),
    Transition(
        "answer_reexam",
        (S.REEXAM_REQUESTED,),
        S.REEXAM_ANSWERED,
        DECIDE,
        _("Record the re-examination answer"),
        requires=("text",),
        optional=("answered_on",),
        clean=_clean_answer_reexam,
        apply=_apply_answer_reexam,
    ),
)

#: Payload keys per transition: {name: (required keys, optional keys)}, for forms.
PAYLOAD = {t.name: (t.requires, t.optional) for t in TRANSITIONS}

PETITION_WORKFLOW = Workflow(
    kind=Kind.PETITION,
    states=Status,
    initial=S.REGISTERED,
    final=frozenset({S.CONCLUDED}),
    transitions=TRANSITIONS,
    load_detail=_load,
    fields=FIELDS,
    events={
        "follow_up": _("Follow-up"),
        "representatives_warning": _("Warning: too many representatives"),
        "key_case": _("Marked as a key case"),
        "key_case_progress": _("Key case progress"),
        "key_case_closed": _("Key case seen through"),
    },
)


def register() -> None:
    # 条例 art. 28, 30, 46: the person or unit complained about, and who stepped aside.
    from huiyin.petitions.recusal import hide_from_persons_concerned

    register_workflow(PETITION_WORKFLOW)
    register_exclusion(Kind.PETITION, hide_from_persons_concerned)
