"""Forms of the dispute's case page: one per mediation step, built from ``workflow.PAYLOAD``.

Like the petition page's (:mod:`huiyin.petitions.transition_forms`): each transition's required
and optional payload keys become fields, labelled with the workflow's own names; the form only
shapes input and the rules stay in ``workflow.fire`` (a refusal's message is shown as the
service words it). Every form carries the case ``version`` the user saw.

What a key needs from the dispute (its parties, mediators, committees, risk notes, transfers,
the current agreement and its terms) is read once per page by :class:`StepData`, whatever the
number of forms.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.cases.workflow import Transition
from huiyin.disputes.checks import FIELDS, MAX_LINE, MAX_TEXT
from huiyin.disputes.models import (
    NEXT_TIER,
    TIER_RANK,
    Agreement,
    AgreementSignature,
    ChosenBy,
    Committee,
    Dispute,
    JudicialConfirmation,
    Manner,
    Mediator,
    Party,
    Performance,
    RiskNote,
    Tier,
    Transfer,
)
from huiyin.disputes.workflow import PAYLOAD
from huiyin.org.models import Unit

#: Dates that default to today (the service does the same when they are left empty).
DATE_KEYS = frozenset(
    {
        "on",
        "started_on",
        "noted_on",
        "reported_on",
        "answered_on",
        "consented_on",
        "reached_on",
        "mediator_signed_on",
        "sealed_on",
        "checked_on",
        "closed_on",
        "ended_on",
        "routes_told_on",
        "result_on",
        "applied_on",
        "new_due_on",
    }
)
#: Dates left empty unless given: empty means "not yet" (the mediator's signature, the seal,
#: the police's answer) or a date that lies ahead (a court period's new end).
EMPTY_DATE_KEYS = frozenset({"mediator_signed_on", "sealed_on", "answered_on", "new_due_on"})
TEXT_KEYS = frozenset(
    {
        "note",
        "summary",
        "risk",
        "measures",
        "answer",
        "reason",
        "routes_text",
        "facts_and_issues",
        "responsibilities",
        "terms",
        "performance_manner",
        "content",
        "invitees",
    }
)
#: The keys of "correct_details", which have fields of their own.
CORRECTION_KEYS = frozenset({"category", "title", "amount", "people_count", "reason"})
BOOL_KEYS = frozenset({"public", "invitees_consented", "police_matter", "parties_consented"})
#: Performance terms one agreement form takes (each a term and its due date).
TERM_ROWS = 3
MAX_TERM = 500
MAX_COPIES = 50

MSG_FORM_HELP = _(
    "A written agreement states the main facts and disputed matters, each party's "
    "responsibility, the agreed terms, and the manner, place and deadline of performance "
    "(People's Mediation Law art. 29). An oral agreement records its content (art. 28, 30)."
)
MSG_SIGNATURES_HELP = _(
    "A written agreement takes effect on the day the last party, the mediator or the committee "
    "seal signed it (art. 29); leave a date empty while that signature is missing."
)
MSG_TERM_HELP = _("Each performance term with its deadline; at least one for a written agreement.")
MSG_PARTY_ALL = _("Empty: every party was told.")
MSG_ROUTES_HELP = _(
    "Failed mediation ends with the notice that the parties may go to arbitration, "
    "administrative or judicial routes (People's Mediation Law art. 26)."
)

#: Clearer labels for a key in a particular transition.
LABELS: dict[tuple[str, str], Promise] = {
    ("consent", "on"): _("Date of consent"),
    ("refuse", "on"): _("Date of refusal"),
    ("tell_rights", "on"): _("Date told"),
    ("record_session", "on"): _("Date of the session"),
    ("escalate", "on"): _("Date escalated"),
    ("transfer", "on"): _("Date transferred"),
    ("record_followup", "on"): _("Date of the visit"),
    ("record_followup", "note"): _("Result of the visit"),
    ("close", "note"): _("Note (what the parties were told of terms not performed)"),
    ("correct_details", "reason"): _("Reason for the correction"),
}
MSG_CORRECTION_HELP = _(
    "Becoming a labour dispute starts its 15 days from the day the application was received "
    "(Labour Dispute Mediation and Arbitration Law art. 14); ceasing to be one cancels them."
)


def _css(field: forms.Field) -> forms.Field:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        widget.attrs.setdefault("class", "form-check-input")
    elif isinstance(widget, forms.Select):
        widget.attrs.setdefault("class", "form-select form-select-sm")
    else:
        widget.attrs.setdefault("class", "form-control form-control-sm")
    return field


def _date(label, *, required: bool, future_ok: bool = False, initial=None) -> forms.Field:
    field = bounds.DateField(
        label=label,
        required=required,
        future_ok=future_ok,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    field.initial = initial
    return field


def _choice(label, choices, *, required: bool, initial=None, radio=False) -> forms.Field:
    options = list(choices)
    if not radio:
        options = [("", "---------"), *options]
    field = forms.ChoiceField(
        label=label,
        choices=options,
        required=required,
        widget=forms.RadioSelect if radio else forms.Select,
    )
    field.initial = initial
    return field


def party_label(party: Party) -> str:
    return f"{party.name_masked}（{party.get_side_display()}）"


class StepData:
    """What the forms of one case page need from the dispute, each read once."""

    def __init__(self, case: Case, dispute: Dispute, today: date):
        self.case, self.dispute, self.today = case, dispute, today

    @cached_property
    def parties(self) -> list[Party]:
        return list(Party.objects.filter(dispute_id=self.case.pk).order_by("side", "order", "id"))

    @cached_property
    def committees(self) -> list[Committee]:
        return list(
            Committee.objects.filter(street_id=self.case.street_id, active=True).order_by(
                "order", "id"
            )
        )

    @cached_property
    def mediators(self) -> list[Mediator]:
        """Mediators who may be chosen today: active, within their term, of an active committee
        of the street (the service refuses the others too)."""
        rows = Mediator.objects.filter(
            committee__street_id=self.case.street_id, committee__active=True, active=True
        ).select_related("committee")
        return [m for m in rows.order_by("committee__order", "name", "id") if m.in_term(self.today)]

    @cached_property
    def assigned(self) -> list[int]:
        return list(self.dispute.mediators.values_list("pk", flat=True))

    @cached_property
    def agreement(self) -> Agreement | None:
        return Agreement.objects.filter(dispute_id=self.case.pk).order_by("-id").first()

    @cached_property
    def terms(self) -> list[Performance]:
        if self.agreement is None:
            return []
        return list(self.agreement.performances.order_by("due_on", "order", "id"))

    @cached_property
    def signed(self) -> set[int]:
        if self.agreement is None:
            return set()
        return set(
            AgreementSignature.objects.filter(agreement=self.agreement).values_list(
                "party_id", flat=True
            )
        )

    @cached_property
    def risk_notes(self) -> list[RiskNote]:
        return list(
            RiskNote.objects.filter(dispute_id=self.case.pk, ended_on__isnull=True).order_by(
                "noted_on", "id"
            )
        )

    @cached_property
    def transfers(self) -> list[Transfer]:
        return list(
            Transfer.objects.filter(
                dispute_id=self.case.pk, direction=Transfer.Direction.OUT
            ).order_by("-on", "-id")
        )

    @cached_property
    def dispute_types(self) -> list[tuple[int, str]]:
        """The types in use (the dispute's own even if retired), the tree's order."""
        from django.db.models import Q

        from huiyin.cases.kinds import Kind
        from huiyin.cases.models import Category

        rows = (
            Category.objects.filter(kind=Kind.DISPUTE)
            .filter(Q(active=True) | Q(pk=self.case.category_id))
            .select_related("parent")
            .order_by("order", "id")
        )
        return [(c.pk, f"{c.parent.name}/{c.name}" if c.parent_id else c.name) for c in rows]

    @cached_property
    def units(self) -> list[tuple[int, str]]:
        return list(
            Unit.objects.filter(street_id=self.case.street_id)
            .order_by("kind", "name")
            .values_list("pk", "name")
        )


class StepForm(forms.Form):
    """The payload of one transition, with the case version as a hidden field."""

    # Passed to fire() as typed: a missing or bad version is a stale form (409), not a field error.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, transition: Transition, data_for: StepData, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", transition.name)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", data_for.case.version)
        super().__init__(*args, **kwargs)
        self.transition, self.data_for = transition, data_for
        self.term_rows: list[tuple[str, str]] = []
        self.signature_rows: list[tuple[str, Party]] = []
        required, optional = PAYLOAD[transition.name]
        for key in (*required, *optional):
            self._add(key, required=key in required)

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.label)

    def _label(self, key: str):
        return LABELS.get((self.name, key), FIELDS.get(key, key))

    # ------------------------------------------------------------------ fields

    def _add(self, key: str, *, required: bool) -> None:
        if key == "performance":
            self._add_terms()
            return
        if key == "signatures":
            self._add_signatures()
            return
        field = self._field(key, required=required)
        if key == "routes_manner" and self.name in ("fail", "refuse", "tell_routes"):
            field.help_text = MSG_ROUTES_HELP
        self.fields[key] = _css(field)

    def _field(self, key: str, *, required: bool) -> forms.Field:
        d, label = self.data_for, self._label(key)
        if key in DATE_KEYS:
            future = key == "new_due_on"
            initial = None if key in EMPTY_DATE_KEYS else d.today
            return _date(label, required=required, future_ok=future, initial=initial)
        if key in BOOL_KEYS:
            # Never required by the form: an unticked consent is the service's to refuse, in
            # its own words (a court period is extended only with every party's consent).
            return forms.BooleanField(label=label, required=False)
        if self.name == "correct_details" and key in CORRECTION_KEYS:
            return self._correction_field(key, label, required=required)
        if key in TEXT_KEYS:
            limit = 5000 if key in ("note", "risk", "measures", "answer") else MAX_TEXT
            return forms.CharField(
                label=label,
                required=required,
                max_length=limit,
                widget=forms.Textarea(attrs={"rows": 2 if key == "note" else 3}),
            )
        if key in ("manner", "routes_manner"):
            return _choice(label, Manner.choices, required=required, initial=Manner.IN_PERSON)
        if key == "chosen_by":
            return _choice(label, ChosenBy.choices, required=required, initial=ChosenBy.COMMITTEE)
        if key == "form":
            field = _choice(
                label,
                Agreement.Form.choices,
                required=required,
                initial=Agreement.Form.WRITTEN,
                radio=True,
            )
            field.help_text = MSG_FORM_HELP
            return field
        if key == "party":
            field = _choice(label, [(p.pk, party_label(p)) for p in d.parties], required=required)
            if self.name == "tell_rights":
                field.help_text = MSG_PARTY_ALL
            return field
        if key == "mediators":
            return self._mediators(label, required=required)
        if key == "mediator":
            chosen = [m for m in d.mediators if m.pk in d.assigned] or d.mediators
            return _choice(
                label,
                [(m.pk, m.name) for m in chosen],
                required=required,
                initial=chosen[0].pk if chosen else None,
            )
        if key == "committee":
            committees = d.committees
            if self.name == "escalate":
                rank = TIER_RANK.get(d.dispute.tier, -1)
                committees = [c for c in committees if TIER_RANK.get(c.tier, -1) > rank]
            return _choice(
                label,
                [(c.pk, f"{c.name}（{c.get_tier_display()}）") for c in committees],
                required=required,
                initial=d.dispute.committee_id if self.name == "assign_mediators" else None,
            )
        if key == "to_tier":
            rank = TIER_RANK.get(d.dispute.tier, -1)
            higher = [(v, t) for v, t in Tier.choices if TIER_RANK[v] > rank]
            return _choice(label, higher, required=required, initial=NEXT_TIER.get(d.dispute.tier))
        if key == "risk_note":
            notes = d.risk_notes
            if self.name == "police_answer":
                notes = [n for n in notes if n.reported_on and not n.answered_on]
            return _choice(
                label,
                [(n.pk, f"{n.noted_on:%Y-%m-%d} {n.risk[:30]}") for n in notes],
                required=required,
            )
        if key == "body_kind":
            return _choice(label, Transfer.Body.choices, required=required)
        if key == "department":
            return _choice(label, d.units, required=required)
        if key == "transfer":
            return _choice(
                label,
                [(t.pk, f"{t.on:%Y-%m-%d} {t.body}") for t in d.transfers],
                required=required,
            )
        if key == "term":
            return _choice(
                label,
                [(t.pk, f"{t.term[:40]}（{t.due_on:%Y-%m-%d}）") for t in d.terms],
                required=required,
            )
        if key == "result":
            return _choice(label, self._results(), required=required)
        if key == "copies":
            field = forms.IntegerField(
                label=label, required=required, min_value=1, max_value=MAX_COPIES
            )
            field.initial = len(d.parties) + 1
            return field
        limit = 200 if key == "performance_place" else MAX_LINE
        return forms.CharField(label=label, required=required, max_length=limit)

    def _correction_field(self, key: str, label, *, required: bool) -> forms.Field:
        """The fields of "correct_details", filled with what is recorded now."""
        from huiyin.disputes import rules
        from huiyin.disputes.steps.correction import MAX_REASON, TITLE_MAX

        d = self.data_for
        if key == "category":
            field = _choice(label, d.dispute_types, required=required, initial=d.case.category_id)
            field.help_text = MSG_CORRECTION_HELP
            return field
        if key == "title":
            field = forms.CharField(label=label, required=required, max_length=TITLE_MAX)
            field.initial = d.case.title
            return field
        if key == "amount":
            field = forms.DecimalField(
                label=label,
                required=required,
                min_value=0,
                max_value=rules.max_amount(),
                max_digits=14,
                decimal_places=2,
            )
            field.initial = d.dispute.amount
            return field
        if key == "people_count":
            field = forms.IntegerField(
                label=label, required=required, min_value=1, max_value=bounds.max_headcount()
            )
            field.initial = d.dispute.people_count
            return field
        return forms.CharField(
            label=label,
            required=required,
            max_length=MAX_REASON,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def _results(self) -> list[tuple[str, str]]:
        if self.name == "transfer_result":
            return [c for c in Transfer.Result.choices if c[0] != Transfer.Result.PENDING]
        if self.name == "record_performance":
            return list(Performance.Result.choices)
        if self.name == "record_confirmation":
            return list(JudicialConfirmation.Result.choices)
        return []

    def _mediators(self, label, *, required: bool) -> forms.Field:
        d = self.data_for
        choices = d.mediators
        if self.name == "record_session" and d.dispute.committee_id:
            choices = [m for m in choices if m.committee_id == d.dispute.committee_id]
        field = forms.TypedMultipleChoiceField(
            label=label,
            required=required,
            coerce=int,
            choices=[(m.pk, f"{m.name}（{m.committee.name}）") for m in choices],
            widget=forms.CheckboxSelectMultiple,
        )
        field.initial = d.assigned
        if self.name == "record_session":
            field.help_text = _("Empty: the mediators assigned to the dispute.")
        return field

    def _add_terms(self) -> None:
        for i in range(TERM_ROWS):
            term_key, due_key = f"term_{i}", f"due_{i}"
            self.fields[term_key] = _css(
                forms.CharField(
                    label=_("Performance term %(n)s") % {"n": i + 1},
                    required=False,
                    max_length=MAX_TERM,
                    help_text=MSG_TERM_HELP if i == 0 else "",
                )
            )
            self.fields[due_key] = _css(
                _date(_("Deadline of term %(n)s") % {"n": i + 1}, required=False, future_ok=True)
            )
            self.term_rows.append((term_key, due_key))

    def _add_signatures(self) -> None:
        d = self.data_for
        # A new agreement (after a court's rejection) is signed afresh by everyone.
        signed = set() if self.name == "record_agreement" else d.signed
        waiting = [p for p in d.parties if p.pk not in signed]
        for party in waiting:
            key = f"signed_{party.pk}"
            field = _date(
                _("%(party)s signed on") % {"party": party_label(party)},
                required=False,
            )
            if not self.signature_rows:
                field.help_text = MSG_SIGNATURES_HELP
            self.fields[key] = _css(field)
            self.signature_rows.append((key, party))

    # ------------------------------------------------------------------ payload

    def payload(self) -> dict:
        """The cleaned values for ``fire``: empty optional values left out."""
        extra = {f"term_{i}" for i in range(TERM_ROWS)} | {f"due_{i}" for i in range(TERM_ROWS)}
        extra |= {key for key, _party in self.signature_rows}
        result: dict = {}
        for key, value in self.cleaned_data.items():
            if key == "version" or key in extra or value in (None, "", []):
                continue
            if key in (
                "party",
                "committee",
                "mediator",
                "risk_note",
                "department",
                "transfer",
                "term",
            ):
                value = int(value)
            result[key] = value
        if self.term_rows:
            terms = []
            for term_key, due_key in self.term_rows:
                term, due = self.cleaned_data.get(term_key), self.cleaned_data.get(due_key)
                if term or due:
                    terms.append({"term": term or "", "due_on": due})
            if terms:
                result["performance"] = terms
        if self.signature_rows:
            signatures = []
            for key, party in self.signature_rows:
                on = self.cleaned_data.get(key)
                if on:
                    mark = (
                        AgreementSignature.Mark.SIGNATURE
                        if party.is_person
                        else AgreementSignature.Mark.SEAL
                    )
                    signatures.append({"party": party.pk, "on": on, "mark": mark})
            if signatures:
                result["signatures"] = signatures
        return result


__all__ = ["StepData", "StepForm", "party_label"]
