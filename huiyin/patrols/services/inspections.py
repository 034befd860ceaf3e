"""Recording an inspection against its checklist version, and each rectification's steps.

:func:`record_inspection` writes the inspection, a result for every item of the checklist
version, their photos and — for every failed item — a :class:`Rectification` with the item,
its legal basis, the responsible party and the deadline, in one transaction.

A rectification's steps (Perm.INSPECTIONS_RECORD or PATROLS_RECORD over its place):

* :func:`reinspect` — the re-inspection and its result: rectified (done) or not (a new
  deadline, reminded again when it passes);
* :func:`refer` — referred to the competent department (orders backed by penalties are
  theirs); :func:`record_referral_result` — the department's result (done when rectified).

:func:`overdue` is the question the dashboard and the reminders ask.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from huiyin.org.models import Staff
from huiyin.org.roles import Perm
from huiyin.patrols import access, photos
from huiyin.patrols.models import (
    NUMBER_LETTER,
    Authority,
    Checklist,
    Inspection,
    ItemResult,
    Place,
    Rectification,
    RectificationStatus,
    ReinspectionResult,
    Result,
    ResultPhoto,
    SpecialCampaign,
)
from huiyin.patrols.services.common import (
    MSG_CHOICE,
    Errors,
    check_version,
    day,
    now,
    pick,
    today,
)
from huiyin.patrols.services.patrols import _audit, _members, _photos
from huiyin.screening import periods

JOINT_MAX = 500
FINDINGS_MAX = 2000
SIGNATURES_MAX = 200
PARTY_MAX = 100
ITEM_NOTE_MAX = 300

MSG_RESULT = _("Give every item a result: pass, fail or not applicable.")
MSG_DEADLINE = _(
    "A failed item needs a deadline for its rectification, from the day of the inspection on."
)
MSG_CHECKLIST = _("This place's kind has no checklist yet.")
MSG_CAMPAIGN = _("Choose a special campaign running on the day of the inspection.")
MSG_STEP_STATE = _("This rectification is %(status)s: that step is not possible now.")
MSG_NEW_DEADLINE = _("A rectification not yet done needs a new deadline after the re-inspection.")
MSG_BEFORE = _("The date cannot be before the rectification was ordered.")


# --------------------------------------------------------------------------- inspections


def _number(street, year: int) -> tuple[int, str]:
    last = Inspection.objects.filter(street=street, year=year).aggregate(n=Max("seq"))["n"] or 0
    seq = last + 1
    return seq, f"{street.short_name}{NUMBER_LETTER}〔{year}〕{seq:04d}号"


def record_inspection(
    actor,
    place: Place,
    *,
    inspected_on,
    lead_authority: str,
    inspector_signatures: str,
    results: dict,
    staff=(),
    joint_members: str = "",
    findings: str = "",
    place_signature: str = "",
    responsible_party: str = "",
    deadlines: dict | None = None,
    files: dict | None = None,
    checklist: Checklist | None = None,
    campaign=None,
    request=None,
) -> Inspection:
    """Record an inspection of `place` against `checklist` (default: the version in use).

    `results` maps each item's id to ``(result, note)``; `deadlines` maps a failed item's id to
    its rectification deadline; `files` maps an item's id to one photo. `responsible_party`
    defaults to the place's name.
    """
    if not access.may(actor, Perm.INSPECTIONS_RECORD, place):
        access.deny(actor, "inspection.record")
    from huiyin.patrols.services.places import current_checklist

    errors = Errors()
    checklist = checklist or current_checklist(place.kind)
    if checklist is None or checklist.kind_id != place.kind_id:
        errors.add("__all__", MSG_CHECKLIST)
        errors.raise_if_any()
    on = day(inspected_on, "inspected_on", errors)
    if lead_authority not in Authority.values:
        errors.add("lead_authority", MSG_CHOICE)
    team = _members(Staff, staff, "staff", errors)
    joint = errors.text("joint_members", joint_members, JOINT_MAX, matter=False)
    findings = errors.text("findings", findings, FINDINGS_MAX)
    signed = errors.text(
        "inspector_signatures", inspector_signatures, SIGNATURES_MAX, required=True, matter=False
    )
    place_signed = errors.text("place_signature", place_signature, 40, matter=False)
    party = errors.text(
        "responsible_party", responsible_party or place.name, PARTY_MAX, matter=False
    )
    chosen_campaign = None
    if campaign not in (None, ""):
        chosen_campaign = pick(SpecialCampaign, campaign, street=place.street_id)
        if chosen_campaign is None or (
            on is not None and not chosen_campaign.starts_on <= on <= chosen_campaign.ends_on
        ):
            errors.add("campaign", MSG_CAMPAIGN)
    items = list(checklist.items.order_by("order"))
    rows, failed = _results(items, results or {}, deadlines or {}, errors, first=on)
    uploads = {}
    for item in items:
        upload = (files or {}).get(item.pk) or (files or {}).get(str(item.pk))
        if upload:
            checked = _photos([upload], photos.MAX_PER_ITEM, f"item-{item.pk}", errors)
            if checked:
                uploads[item.pk] = checked[0]
    errors.raise_if_any()

    saved = []
    try:
        with transaction.atomic():
            inspection = _create(
                actor, place, checklist, chosen_campaign, on, lead_authority, joint, findings,
                signed, place_signed,
            )  # fmt: skip
            inspection.staff.set(team)
            made = ItemResult.objects.bulk_create(
                [
                    ItemResult(inspection=inspection, item=item, result=result, note=note)
                    for item, result, note in rows
                ]
            )
            by_item = {r.item_id: r for r in made}
            for item_id, (upload, facts) in uploads.items():
                saved.append(
                    photos.store(ResultPhoto, upload, facts, actor=actor, result=by_item[item_id])
                )
            moment = now()
            Rectification.objects.bulk_create(
                [
                    Rectification(
                        street_id=place.street_id,
                        community_id=place.community_id,
                        grid_id=place.grid_id,
                        place=place,
                        inspection=inspection,
                        result=by_item[item.pk],
                        item=item.text,
                        basis=item.basis,
                        responsible_party=party,
                        deadline=due,
                        created_by=actor,
                        created_at=moment,
                    )
                    for item, due in failed
                ]
            )
            _audit(
                "inspection.record",
                actor,
                inspection,
                {"checklist": checklist.version, "failed": len(failed), "photos": len(saved)},
                request,
            )
    except BaseException:
        photos.forget(saved)
        raise
    return inspection


def _create(actor, place, checklist, campaign, on, lead, joint, findings, signed, place_signed):
    for _attempt in range(3):
        seq, number = _number(place.street, on.year)
        try:
            with transaction.atomic():
                return Inspection.objects.create(
                    street_id=place.street_id,
                    place=place,
                    community_id=place.community_id,
                    grid_id=place.grid_id,
                    checklist=checklist,
                    campaign=campaign,
                    year=on.year,
                    seq=seq,
                    number=number,
                    inspected_on=on,
                    lead_authority=lead,
                    joint_members=joint,
                    findings=findings,
                    inspector_signatures=signed,
                    place_signature=place_signed,
                    recorded_by=actor,
                    recorded_at=now(),
                )
        except IntegrityError:
            continue  # another inspection took the number meanwhile: the next one
    raise IntegrityError("no inspection number could be allocated")


def _results(items, results: dict, deadlines: dict, errors: Errors, *, first=None):
    """Each item's result; a failed item's deadline not before `first` (the day of the
    inspection: one entered days later keeps the deadline it gave; today when unknown)."""
    rows, failed = [], []
    first = first or today()
    for item in items:
        given = results.get(item.pk) or results.get(str(item.pk))
        result, note = (given if isinstance(given, tuple | list) else (given, ""))[:2]
        if result not in Result.values:
            errors.add(f"item-{item.pk}", MSG_RESULT)
            continue
        note = errors.text(f"item-{item.pk}", note, ITEM_NOTE_MAX)
        rows.append((item, result, note))
        if result == Result.FAIL:
            raw = deadlines.get(item.pk) or deadlines.get(str(item.pk))
            due = day(raw, f"deadline-{item.pk}", Errors(), future_ok=True)
            if due is None or due < first:
                errors.add(f"deadline-{item.pk}", MSG_DEADLINE)
                continue
            failed.append((item, due))
    return rows, failed


# --------------------------------------------------------------------------- rectifications


def _step(actor, rectification: Rectification, allowed, version, errors: Errors) -> None:
    if not access.may_any(actor, access.RECTIFY_PERMS, rectification):
        access.deny(actor, "rectification.step")
    check_version(rectification, version, errors)
    if rectification.status not in allowed:
        errors.add("__all__", MSG_STEP_STATE % {"status": rectification.get_status_display()})
    errors.raise_if_any()


def ordered_on(rectification: Rectification) -> date:
    """The day the rectification was ordered: its inspection's day, or the day it was made
    from a patrol finding."""
    if rectification.inspection_id is not None:
        return rectification.inspection.inspected_on
    return periods.today(rectification.created_at)


def _on(value, rectification, errors: Errors) -> date | None:
    on = day(value, "on", errors)
    if on is not None and on < ordered_on(rectification):
        errors.add("on", MSG_BEFORE)
    return on


def _save(rectification: Rectification, actor, step: str, request, **fields) -> Rectification:
    with transaction.atomic():
        fields["version"] = rectification.version + 1
        changed = Rectification.objects.filter(
            pk=rectification.pk, version=rectification.version
        ).update(**fields)
        if changed != 1:
            errors = Errors()
            check_version(rectification, -1, errors)
            errors.raise_if_any()
        for key, value in fields.items():
            setattr(rectification, key, value)
        diff = {"step": step, **{k: str(v) for k, v in fields.items() if k != "version"}}
        _audit("rectification.step", actor, rectification, diff, request)
    return rectification


def reinspect(
    actor, rectification, *, on, result: str, note: str = "", new_deadline=None, version=None,
    request=None,
) -> Rectification:  # fmt: skip
    errors = Errors()
    _step(
        actor,
        rectification,
        (RectificationStatus.OPEN, RectificationStatus.REFERRED),
        version,
        errors,
    )
    on = _on(on, rectification, errors)
    if result not in ReinspectionResult.values:
        errors.add("result", MSG_CHOICE)
    note = errors.text("note", note, 300)
    fields = {"reinspected_on": on, "reinspection_result": result, "reinspection_note": note}
    if result == ReinspectionResult.PASSED:
        fields.update(status=RectificationStatus.DONE, done_on=on)
    elif result == ReinspectionResult.FAILED:
        due = day(new_deadline, "new_deadline", Errors(), future_ok=True)
        if due is None or due < today():
            errors.add("new_deadline", MSG_NEW_DEADLINE)
        fields["deadline"] = due
    errors.raise_if_any()
    return _save(rectification, actor, "reinspect", request, **fields)


def refer(actor, rectification, *, to: str, on, version=None, request=None) -> Rectification:
    errors = Errors()
    _step(actor, rectification, (RectificationStatus.OPEN,), version, errors)
    if to not in Authority.values or to == Authority.STREET:
        errors.add("to", MSG_CHOICE)
    on = _on(on, rectification, errors)
    errors.raise_if_any()
    return _save(
        rectification, actor, "refer", request,
        status=RectificationStatus.REFERRED, referred_to=to, referred_on=on,
    )  # fmt: skip


def record_referral_result(
    actor, rectification, *, result: str, rectified: bool, on, version=None, request=None
) -> Rectification:
    errors = Errors()
    _step(actor, rectification, (RectificationStatus.REFERRED,), version, errors)
    text = errors.text("result", result, 300, required=True)
    on = _on(on, rectification, errors)
    errors.raise_if_any()
    fields = {"referral_result": text}
    if rectified:
        fields.update(status=RectificationStatus.DONE, done_on=on)
    return _save(rectification, actor, "referral_result", request, **fields)


def overdue_q(on: date | None = None) -> Q:
    """Rectifications not done whose deadline has passed (the deadline day itself is not)."""
    return ~Q(status=RectificationStatus.DONE) & Q(deadline__lt=on or today())


def overdue(user=None, on: date | None = None) -> QuerySet[Rectification]:
    """The overdue rectifications (those `user` may see, when given): for the dashboard."""
    rows = Rectification.objects.filter(overdue_q(on))
    if user is not None:
        rows = access.rows(user, rows)
    return rows.select_related("community", "grid", "place").order_by("deadline", "id")


def overdue_count(user=None, on: date | None = None) -> int:
    return overdue(user, on).count()
