"""What the dispute's case page shows, read once per page: the record, parties (masked), clocks,
committee and mediators, sessions, agreements with their signatures, performance and judicial
confirmation, follow-ups, transfers, risk notes, the timeline and the documents.

Every list is one query (joined or prefetched), whatever the number of rows. Parties are read
masked (:func:`huiyin.disputes.services.parties_for_display`): the full identity is opened only
by the audited reveal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.cases import deadlines
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.cases.services import holds
from huiyin.cases.workflow import event_label
from huiyin.disputes import clocks, services
from huiyin.disputes.checks import label
from huiyin.disputes.models import (
    Agreement,
    AgreementSignature,
    Consent,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    Manner,
    MediationSession,
    Party,
    Performance,
    RightsNotice,
    RiskNote,
    Source,
    Tier,
    Transfer,
)
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm

MSG_UNKNOWN_YEAR = _(
    "The %(year)s holiday schedule has not been entered yet; the time limit is computed with "
    "weekends only."
)


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def event_detail(event: CaseEvent) -> str:
    """A short line of what the event's data says (parties only by their masked names)."""
    data = event.data or {}
    kind = event.kind
    if kind == "clock_started" and data.get("code") in deadlines.LIMITS:
        return gettext("%(limit)s, due %(date)s") % {
            "limit": deadlines.LIMITS[data["code"]].label,
            "date": data.get("due_on", ""),
        }
    if kind == "registered":
        parts = [_choice_label(Source, data.get("source")), _choice_label(Tier, data.get("tier"))]
        return " · ".join(p for p in parts if p)
    if kind in ("consent", "refuse", "tell_rights", "party_added"):
        who = data.get("party_masked") or data.get("name") or ""
        if kind == "tell_rights" and not who:
            who = gettext("every party")
        manner = _choice_label(Manner, data.get("manner")) if data.get("manner") else ""
        return " · ".join(p for p in (who, manner) if p)
    if kind == "assign_mediators" and data.get("names"):
        return "、".join(str(n) for n in data["names"])
    if kind == "escalate" and data.get("to_tier"):
        return gettext("To %(unit)s") % {"unit": _choice_label(Tier, data["to_tier"])}
    if kind == "transfer" and data.get("body"):
        return gettext("To %(unit)s") % {"unit": data["body"]}
    if kind == "transfer_result" and data.get("result"):
        return _choice_label(Transfer.Result, data["result"])
    if kind == "report_to_police" and data.get("reported_to"):
        return str(data["reported_to"])
    if kind == "record_agreement" and data.get("form"):
        return _choice_label(Agreement.Form, data["form"])
    if kind == "record_performance" and data.get("result"):
        return _choice_label(Performance.Result, data["result"])
    if kind == "apply_confirmation" and data.get("court"):
        return str(data["court"])
    if kind == "record_confirmation" and data.get("result"):
        return _choice_label(JudicialConfirmation.Result, data["result"])
    if kind == "correct_details":
        return correction_detail(data)
    if kind == "from_petition" and data.get("petition_number"):
        return str(data["petition_number"])
    if kind == "extend_court_period" and data.get("new_due_on"):
        return gettext("New time limit %(date)s") % {"date": data["new_due_on"]}
    return ""


def correction_detail(data: dict) -> str:
    """ "Type: 邻里 → 劳动争议/欠薪 · labour time limit started" (the reason is the event's note)."""
    parts = []
    if data.get("category"):
        old, new = data["category"]
        parts.append(gettext("Type: %(old)s → %(new)s") % {"old": old or "—", "new": new})
    for key in ("amount", "people_count"):
        if data.get(key):
            old, new = data[key]
            parts.append(f"{label(key)}: {_dash(old)} → {_dash(new)}")
    if "title" in data.get("fields", ()):
        parts.append(gettext("title corrected"))
    if data.get("labour_clock") == "started":
        parts.append(gettext("the labour dispute's 15 days run from the day received"))
    elif data.get("labour_clock") == "cancelled":
        parts.append(gettext("the labour dispute's 15 days were cancelled"))
    return " · ".join(parts)


def _dash(value) -> str:
    return "—" if value in (None, "") else str(value)


@dataclass
class Window:
    """The parties' judicial-confirmation window: theirs, never the office's deadline."""

    clock: Clock
    days_left: int | None  # while it runs: 0 on the last day, negative once it has passed
    running: bool


def confirmation_window(case: Case, clock_rows: list[Clock], today: date) -> Window | None:
    rows = [c for c in clock_rows if c.code == clocks.CONFIRMATION]
    if not rows:
        return None
    clock = rows[-1]
    days = deadlines.days_left(clock.due_on, today) if clock.running else None
    return Window(clock, days, clock.running)


def parties(case: Case) -> list[dict]:
    """The parties, masked, with whether each agreed to mediation and was told of their rights."""
    rows = services.parties_for_display(case)
    latest: dict[int, Consent] = {}
    for consent in Consent.objects.filter(party__dispute_id=case.pk).order_by("on", "id"):
        latest[consent.party_id] = consent
    notices = list(RightsNotice.objects.filter(dispute_id=case.pk).values_list("party_id", "on"))
    everyone = [on for party, on in notices if party is None]
    told = {party: on for party, on in notices if party is not None}
    for row in rows:
        row["consent"] = latest.get(row["id"])
        row["told_on"] = told.get(row["id"]) or (everyone[-1] if everyone else None)
        row["is_person"] = row["kind"] == "person"
        row["side_label"] = _choice_label(Party.Side, row["side"])
    return rows


def agreements(dispute: Dispute) -> list[Agreement]:
    return list(
        Agreement.objects.filter(dispute=dispute)
        .select_related("mediator")
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=AgreementSignature.objects.select_related("party").order_by(
                    "signed_on", "id"
                ),
            ),
            Prefetch("performances", queryset=Performance.objects.order_by("due_on", "order")),
            Prefetch(
                "confirmations", queryset=JudicialConfirmation.objects.order_by("applied_on", "id")
            ),
        )
        .order_by("reached_on", "id")
    )


def record(case: Case, dispute: Dispute, user, today: date) -> dict:
    """Everything of the page but the forms."""
    clock_rows = list(case.clocks.order_by("stopped_at", "due_on", "id"))
    years = sorted({y for c in clock_rows if c.running for y in c.unknown_years})
    events = list(case.events.select_related("actor__staff").order_by("at", "id"))
    for event in events:
        event.display_label = event_label(case.kind, event.kind)
        event.detail = event_detail(event)
    offer = services.escalation_offer(case, today)
    petition_visible = (
        dispute.petition_case_id is not None
        and Case.objects.visible_to(user, kind=Kind.PETITION)
        .filter(pk=dispute.petition_case_id)
        .exists()
    )
    rows = agreements(dispute)
    written = any(a.is_written for a in rows)
    return {
        "dispute": dispute,
        "parties": parties(case),
        "clocks": clock_rows,
        "running_clocks": [c for c in clock_rows if c.running],
        "holiday_warnings": [str(MSG_UNKNOWN_YEAR) % {"year": y} for y in years],
        "window": confirmation_window(case, clock_rows, today),
        "labour_open": services.labour_arbitration_open(case, today),
        "escalation_offer": _choice_label(Tier, offer) if offer else "",
        "type_warning": services.confirmation_warning(case),
        "show_type_warning": written or not rows,
        "events": events,
        "mediators": list(dispute.mediators.select_related("committee").order_by("name", "id")),
        "sessions": list(
            MediationSession.objects.filter(dispute=dispute)
            .prefetch_related("mediators")
            .order_by("on", "id")
        ),
        "agreements": rows,
        "follow_ups": list(
            FollowUp.objects.filter(dispute=dispute).select_related("by").order_by("on", "id")
        ),
        "transfers": list(
            Transfer.objects.filter(dispute=dispute)
            .select_related("department")
            .order_by("on", "id")
        ),
        "risk_notes": list(RiskNote.objects.filter(dispute=dispute).order_by("noted_on", "id")),
        "petition_visible": petition_visible,
        "petition_url": reverse("petitions:detail", args=[dispute.petition_case_id])
        if petition_visible
        else "",
    }


def may_see_identity(user, case: Case) -> bool:
    """Who may open a party's full identity (the rule of services.party_identity): identity
    viewers, and those who mediate the dispute (the agreement names the parties in full)."""
    return reach_of(user).can(Perm.IDENTITY_VIEW) or holds(user, case, Perm.DISPUTES_MEDIATE)


__all__ = [
    "Window",
    "agreements",
    "confirmation_window",
    "event_detail",
    "may_see_identity",
    "parties",
    "record",
]
