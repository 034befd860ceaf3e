"""Cases, events and clocks as the API answers them (see :mod:`huiyin.api.schemas`).

Only what the schema names is read: never a petitioner, a party, a next of kin, a complaint's
target or an event's details (``CaseEvent.data``, which may carry masked names).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case, CaseEvent, Clock
from huiyin.cases.workflow import available_transitions

#: What a list or a detail joins, so a page of cases is one query whatever its size.
RELATED = (
    "community",
    "grid",
    "category",
    "owner_unit",
    "owner",
    "petition",
    "dispute",
    "dispute__committee",
    "incident",
)


def with_related(cases: QuerySet) -> QuerySet:
    return cases.select_related(*RELATED)


def ref(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "name": obj.name}


def case_url(case: Case) -> str:
    return reverse("api-v1:case_detail", kwargs={"number": case.number})


def _kind_record(case: Case, name: str):
    try:
        return getattr(case, name)
    except ObjectDoesNotExist:  # the kind's row is missing: no facts
        return None


def _petition(case: Case) -> dict | None:
    p = _kind_record(case, "petition")
    if p is None:
        return None
    return {
        "channel": p.channel,
        "channel_label": str(p.get_channel_display()),
        "level": p.level,
        "handling_level": p.handling_level,
        "is_collective": p.is_collective,
        "headcount": p.headcount,
        "is_repeat": p.is_repeat,
        "is_anonymous": p.is_anonymous,
        "representatives_exceeded": p.representatives_exceeded,
    }


def _dispute(case: Case) -> dict | None:
    d = _kind_record(case, "dispute")
    if d is None:
        return None
    return {
        "source": d.source,
        "source_label": str(d.get_source_display()),
        "tier": d.tier,
        "committee": ref(d.committee) if d.committee_id else None,
        "amount": None if d.amount is None else f"{d.amount:.2f}",
        "people_count": d.people_count,
    }


def _incident(case: Case) -> dict | None:
    i = _kind_record(case, "incident")
    if i is None:
        return None
    return {
        "source": i.source,
        "source_label": str(i.get_source_display()),
        "grade": i.grade,
        "grade_label": str(i.get_grade_display()),
        "occurred_at": i.occurred_at,
        "learned_at": i.learned_at,
        "people_count": i.people_count,
    }


def summary(case: Case) -> dict:
    out = {
        "number": case.number,
        "kind": case.kind,
        "kind_label": str(case.get_kind_display()),
        "title": case.title,
        "status": case.status,
        "status_label": case.status_label,
        "community": ref(case.community) if case.community_id else None,
        "grid": ref(case.grid) if case.grid_id else None,
        "category": ref(case.category) if case.category_id else None,
        "owner_unit": ref(case.owner_unit) if case.owner_unit_id else None,
        "received_at": case.received_at,
        "due_on": case.due_on,
        "closed_at": case.closed_at,
        "version": case.version,
        "withdrawn": case.withdrawn,
        "url": case_url(case),
        "petition": _petition(case) if case.kind == Kind.PETITION else None,
        "dispute": _dispute(case) if case.kind == Kind.DISPUTE else None,
        "incident": _incident(case) if case.kind == Kind.INCIDENT else None,
    }
    return out


def detail(case: Case, user) -> dict:
    out = summary(case)
    out["description"] = case.description
    out["owner"] = ref(case.owner) if case.owner_id else None
    out["transitions"] = [
        {
            "name": t.name,
            "label": str(t.label),
            "requires": list(t.requires),
            "optional": list(t.optional),
            "fields": action_fields(case, t, user),
        }
        for t in available_transitions(case, user)
    ]
    return out


#: The most choices listed for one field (a street has some dozens of units and staff).
MAX_CHOICES = 500
#: Fields whose choices are people of the matter: named by their side and place, never their
#: names (the form's label carries the masked name).
PERSON_CHOICES = frozenset({"party"})


def _field_type(field) -> str:
    from django import forms

    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return "many"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return "choice"
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.DateTimeField):
        return "datetime"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if getattr(field.widget, "input_type", "") == "datetime-local":
        return "datetime"
    return "text"


def _choices(name: str, field, case: Case) -> list[dict]:
    out: list[dict] = []
    people = _party_labels(case) if name in PERSON_CHOICES else {}
    for value, label in field.choices:
        value = str(getattr(value, "value", value))
        if value == "":
            continue
        label = people.get(value, "") if name in PERSON_CHOICES else str(label)
        out.append({"value": value, "label": label})
        if len(out) >= MAX_CHOICES:
            break
    return out


def _party_labels(case: Case) -> dict[str, str]:
    """A dispute's parties as "申请人 1", "被申请人 1": their side and their place on it."""
    from huiyin.disputes.models import Party

    labels: dict[str, str] = {}
    counts: dict[str, int] = {}
    for party in Party.objects.filter(dispute_id=case.pk).order_by("side", "order", "id"):
        counts[party.side] = counts.get(party.side, 0) + 1
        labels[str(party.pk)] = f"{party.get_side_display()} {counts[party.side]}"
    return labels


def action_fields(case: Case, transition, user) -> list[dict]:
    """The fields of `transition`'s body as the case page's form builds them now, each choice
    with the id a client sends (the form's own label, except for the people of the matter).

    Field labels are not given: a signature's field is labelled with the party's masked name
    (its name, ``signed_<party id>``, says which party)."""
    from huiyin.api.kinds import KINDS

    try:
        form = KINDS[case.kind].form(transition, case, None, user)
    except ObjectDoesNotExist:  # the kind's row is missing: no form
        return []
    out = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        kind = _field_type(field)
        out.append(
            {
                "name": name,
                "required": bool(field.required),
                "type": kind,
                "choices": _choices(name, field, case) if kind in ("choice", "many") else None,
            }
        )
    return out


def attachment(a) -> dict:
    url = None
    if not a.withdrawn:
        url = reverse(
            "api-v1:case_attachment",
            kwargs={"number": a.case.number, "attachment_id": a.pk},
        )
    by = None
    if a.uploaded_by_id is not None:
        staff = _staff(a.uploaded_by)
        by = staff.name if staff is not None else a.uploaded_by.get_username()
    return {
        "id": a.pk,
        "name": a.original_name,
        "size": a.size,
        "content_type": a.content_type,
        "uploaded_at": a.uploaded_at,
        "uploaded_by": by,
        "withdrawn": a.withdrawn,
        "url": url,
    }


def event(e: CaseEvent, kind: str) -> dict:
    from huiyin.cases.workflow import event_label

    actor = None
    if e.actor_id is not None:
        staff = _staff(e.actor)
        actor = staff.name if staff is not None else e.actor.get_username()
    return {
        "at": e.at,
        "kind": e.kind,
        "label": event_label(kind, e.kind),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "actor": actor,
    }


def _staff(user):
    try:
        return user.staff
    except ObjectDoesNotExist:  # an account without a staff profile
        return None


def clock(c: Clock) -> dict:
    today = timezone.localdate()
    return {
        "code": c.code,
        "label": c.label,
        "article": c.article,
        "binds": c.party,
        "started_on": c.started_on,
        "due_on": c.due_on,
        "days": c.days,
        "working_days": c.working_days,
        "extended": c.extended,
        "suspended": c.suspended,
        "running": c.running,
        "stopped_on": c.stopped_on,
        "outcome": c.outcome,
        "days_left": c.days_left(today) if c.running else None,
        "provisional": c.warning,
    }
