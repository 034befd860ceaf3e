"""Assessment rounds: computed (draft) → published (objections) → final.

* :func:`create_round` applies a published scheme to a period inside its validity and
  computes it; :func:`compute_round` computes a draft again (the statistics moved, an award
  was made). Manual items are awarded per body with an evidence file (:func:`award`).
* :func:`publish_round` once the period is over: each body sees its points and may object
  until ``objections_until`` (today + the scheme's ``objection_days``): :func:`file_objection`
  by the body's own staff (a grant on it, with ``assessment.view``) or by the office for it.
* :func:`answer_objection` (the office): accepted, with the points it changes, or rejected,
  always with the reasons; an accepted change re-ranks the round.
* :func:`finalize` after the window closed and every objection was answered.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.assessment import bodies
from huiyin.assessment.bodies import COMMUNITY, Body, body_fields
from huiyin.assessment.models import (
    ManualAward,
    Method,
    Objection,
    ObjectionOutcome,
    Point,
    Round,
    RoundStatus,
    Scheme,
    SchemeItem,
    Score,
)
from huiyin.assessment.services import files
from huiyin.assessment.services.common import (
    MANAGE_PERM,
    VIEW_PERM,
    AssessmentInvalid,
    Errors,
    may,
    require,
    today,
)
from huiyin.cases import bounds
from huiyin.org import own_streets
from huiyin.org.models import Street
from huiyin.privacy.audit import record
from huiyin.reports.stats import Period

MSG_NOT_PUBLISHED = _("Only a published scheme can be applied.")
MSG_BEFORE_SCHEME = _(
    "This version of the scheme applies from %(day)s: a period that starts earlier was not "
    "judged by it."
)
MSG_AFTER_SCHEME = _("This version of the scheme applies until %(day)s.")
MSG_NOT_DRAFT = _("The round is published: its points change only through objections.")
MSG_NOT_OVER = _("The period is not over yet: results are published after it ends.")
MSG_NOT_OPEN = _("Objections are taken only while the round is published, until %(day)s.")
MSG_NOT_YOURS = _("Only the body's own staff or the office may object to its points.")
MSG_PENDING = _("Every objection must be answered before the round is final.")
MSG_WINDOW = _("The round becomes final after the objection period ends on %(day)s.")
MSG_NOT_MANUAL = _("Choose a manual item of the scheme that applies to this body.")
MSG_ANSWERED = _("This objection was answered already.")
MSG_NO_STREET = _("Choose one of your streets first: a round assesses one street's bodies.")
MSG_NOT_THE_STREET = _("Choose a community or unit of the round's street.")
MAX_DAYS = 731


def _check_period(scheme: Scheme, start, end, errors: Errors) -> None:
    if start and end and end < start:
        errors.add("end", _("The last day cannot be before the first day."))
    elif start and end and (end - start).days >= MAX_DAYS:
        errors.add("end", _("A round covers at most two years."))
    if start and start < scheme.valid_from:
        errors.add("start", gettext(MSG_BEFORE_SCHEME) % {"day": scheme.valid_from.isoformat()})
    if end and scheme.valid_to and end > scheme.valid_to:
        errors.add("end", gettext(MSG_AFTER_SCHEME) % {"day": scheme.valid_to.isoformat()})


def street_for(actor, street: Street | None = None) -> Street | None:
    """The street a new round of the actor's assesses: `street` when the actor holds it, else
    the one they work in (a district officer: the street chosen in the header), else the
    first of their streets; None when they hold none. Never a street the actor does not hold."""
    from huiyin.org import streets

    mine = own_streets.street_ids(actor)
    if street is None or street.pk not in mine:
        street = streets.street_of(actor)
    if street is None or street.pk not in mine:
        street = Street.objects.filter(pk__in=mine).order_by("pk").first()
    return street


def rounds_of(user):
    """The rounds of the person's streets: another street's round is not found, as an unknown
    one."""
    return own_streets.in_streets(Round.objects.all(), user)


def create_round(
    *, actor, scheme: Scheme, data: dict, street: Street | None = None, request=None
) -> Round:
    """A new round of one street (see :func:`street_for`), computed at once."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    street = street_for(actor, street)
    if street is None:
        errors.add("__all__", MSG_NO_STREET)
    if not scheme.published:
        errors.add("scheme", MSG_NOT_PUBLISHED)
    name = errors.text("name", data.get("name"), 100, required=True)
    start = errors.day("start", data.get("start"), future_ok=True)
    end = errors.day("end", data.get("end"), future_ok=True)
    _check_period(scheme, start, end, errors)
    errors.raise_if_any()
    with transaction.atomic():
        found = Round.objects.create(
            scheme=scheme, street=street, name=name, start=start, end=end, created_by=actor
        )
        record("assessment.round", actor=actor, target=found, diff={"created": 1}, request=request)
        _compute(found)
    return found


def awards_of(found: Round) -> dict[tuple[int, str], ManualAward]:
    """The live award per (item, body key): the latest one."""
    out: dict[tuple[int, str], ManualAward] = {}
    for award in found.awards.filter(withdrawn=False).order_by("uploaded_at", "id"):
        key = f"community-{award.community_id}" if award.community_id else f"unit-{award.unit_id}"
        out[(award.item_id, key)] = award
    return out


def _compute(found: Round) -> None:
    from huiyin.assessment.scoring import score

    # The round's street's communities and units only: ranked among themselves.
    results = score(
        found.scheme,
        Period(found.start, found.end),
        bodies=bodies.all_bodies(street_id=found.street_id),
        awards=awards_of(found),
    )
    Point.objects.filter(score__round=found).delete()
    found.scores.all().delete()
    for result in results:
        row = Score.objects.create(
            round=found,
            total=result.total,
            max_total=result.max_total,
            vetoed=result.vetoed,
            rank=result.rank,
            **body_fields(result.body),
        )
        Point.objects.bulk_create(
            [
                Point(
                    score=row,
                    item=p.item,
                    points=p.computed.points,
                    max_points=p.computed.max_points,
                    detail=p.computed.detail,
                    matters=p.matters,
                )
                for p in result.points
            ]
        )
    Round.objects.filter(pk=found.pk).update(computed_at=timezone.now())


def compute_round(found: Round, *, actor, request=None) -> Round:
    require(actor, MANAGE_PERM)
    with transaction.atomic():
        fresh = Round.objects.select_for_update().get(pk=found.pk)
        if fresh.status != RoundStatus.DRAFT:
            raise AssessmentInvalid({"__all__": [MSG_NOT_DRAFT]})
        _compute(fresh)
        record("assessment.round", actor=actor, target=fresh, diff={"computed": 1}, request=request)
    return Round.objects.get(pk=found.pk)


def award(
    found: Round, *, actor, item_id, body: Body | None, data: dict, uploaded, request=None
) -> ManualAward:
    """The points of a manual item for one body, with its evidence file (a draft round only);
    an earlier award of the same item to the body is withdrawn ("replaced")."""
    require(actor, MANAGE_PERM)
    errors = Errors()
    item = SchemeItem.objects.filter(
        pk=bounds.bounded_int(item_id, 1, bounds.MAX_ID) or 0, scheme=found.scheme
    ).first()
    if item is None or item.method != Method.MANUAL or body is None or not item.applies(body.kind):
        errors.add("item", MSG_NOT_MANUAL)
    elif bodies.street_id_of(body) != found.street_id or not bodies.of_streets(actor, body):
        errors.add("body", MSG_NOT_THE_STREET)
    top = item.max_points if item is not None else Decimal(100)
    points = errors.number("points", data.get("points"), 0, top)
    reason = errors.text("reason", data.get("reason"), 500, required=True)
    facts = files.check_upload(uploaded, files.EVIDENCE_TYPES, "file", errors)
    if found.status != RoundStatus.DRAFT:
        errors.add("__all__", MSG_NOT_DRAFT)
    errors.raise_if_any()
    with transaction.atomic():
        earlier = ManualAward.objects.filter(
            round=found, item=item, withdrawn=False, **body.filters()
        )
        earlier.update(withdrawn=True, withdrawn_reason=gettext("replaced by a later award"))
        row = ManualAward(round=found, item=item, points=points, reason=reason, **body_fields(body))
        files.store(
            row,
            uploaded,
            facts,
            folder=f"assessment/{found.pk}",
            actor=actor,
            request=request,
            diff={"points": str(points)},
        )
        _compute(found)
    return row


def open_evidence(user, row: ManualAward, *, request=None):
    require(user, VIEW_PERM)
    return files.open_stored(row, user=user, request=request)


def publish_round(found: Round, *, actor, request=None) -> Round:
    require(actor, MANAGE_PERM)
    day = today()
    with transaction.atomic():
        fresh = Round.objects.select_for_update().get(pk=found.pk)
        if fresh.status != RoundStatus.DRAFT:
            raise AssessmentInvalid({"__all__": [MSG_NOT_DRAFT]})
        if fresh.end >= day:
            raise AssessmentInvalid({"__all__": [MSG_NOT_OVER]})
        fresh.status = RoundStatus.PUBLISHED
        fresh.published_on = day
        fresh.objections_until = day + timedelta(days=fresh.scheme.objection_days)
        fresh.save(update_fields=["status", "published_on", "objections_until"])
        record(
            "assessment.round",
            actor=actor,
            target=fresh,
            diff={"published": day.isoformat()},
            request=request,
        )
    return fresh


def may_object(user, point: Point) -> bool:
    """The office, or the body's own staff holding assessment.view."""
    if may(user, MANAGE_PERM):
        return True
    return may(user, VIEW_PERM) and bodies.covers(user, bodies.of(point.score))


def objection_open(found: Round, day: date | None = None) -> bool:
    day = day or today()
    return (
        found.status == RoundStatus.PUBLISHED
        and found.objections_until is not None
        and day <= found.objections_until
    )


def file_objection(point: Point, *, actor, text: str, request=None) -> Objection:
    found = Round.objects.get(scores__pk=point.score_id)
    errors = Errors()
    if not may_object(actor, point):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if not objection_open(found):
        day = found.objections_until.isoformat() if found.objections_until else "—"
        errors.add("__all__", gettext(MSG_NOT_OPEN) % {"day": day})
    text = errors.text("text", text, 2000, required=True)
    errors.raise_if_any()
    with transaction.atomic():
        row = Objection.objects.create(
            round=found, point=point, text=text, filed_by=actor, filed_on=today()
        )
        record("assessment.objection", actor=actor, target=row, diff={"filed": 1}, request=request)
    return row


def _rerank(found: Round) -> None:
    scores = list(found.scores.all())
    for kind in (COMMUNITY, bodies.UNIT):
        group = sorted(
            (s for s in scores if (s.community_id is not None) == (kind == COMMUNITY)),
            key=lambda s: (s.vetoed, -s.total, s.pk),
        )
        previous = None
        for position, row in enumerate(group, start=1):
            here = (row.vetoed, row.total)
            row.rank = previous[1] if previous and previous[0] == here else position
            previous = (here, row.rank)
    Score.objects.bulk_update(scores, ["rank"])


def answer_objection(objection: Objection, *, actor, data: dict, request=None) -> Objection:
    require(actor, MANAGE_PERM)
    errors = Errors()
    outcome = errors.choice(
        "outcome", data.get("outcome"), (ObjectionOutcome.ACCEPTED, ObjectionOutcome.REJECTED)
    )
    answer = errors.text("answer", data.get("answer"), 2000, required=True)
    point = objection.point
    new_points = None
    if outcome == ObjectionOutcome.ACCEPTED:
        new_points = errors.number(
            "new_points", data.get("new_points"), 0, point.max_points, required=False
        )
    if Round.objects.get(pk=objection.round_id).status != RoundStatus.PUBLISHED:
        errors.add("__all__", _("The round is not open to objections."))
    errors.raise_if_any()
    with transaction.atomic():
        updated = Objection.objects.filter(
            pk=objection.pk, outcome=ObjectionOutcome.PENDING
        ).update(
            outcome=outcome,
            answer=answer,
            new_points=new_points,
            answered_by=actor,
            answered_on=today(),
        )
        if not updated:
            raise AssessmentInvalid({"__all__": [MSG_ANSWERED]})
        if new_points is not None and point.points is not None:
            score = Score.objects.select_for_update().get(pk=point.score_id)
            score.total = score.total - point.points + new_points
            score.save(update_fields=["total"])
            Point.objects.filter(pk=point.pk).update(points=new_points, adjusted=True)
            _rerank(objection.round)
        record(
            "assessment.objection",
            actor=actor,
            target=objection,
            diff={"outcome": outcome, "points": str(new_points) if new_points is not None else ""},
            request=request,
        )
    return Objection.objects.get(pk=objection.pk)


def finalize(found: Round, *, actor, request=None) -> Round:
    require(actor, MANAGE_PERM)
    with transaction.atomic():
        fresh = Round.objects.select_for_update().get(pk=found.pk)
        errors = Errors()
        if fresh.status != RoundStatus.PUBLISHED:
            errors.add("__all__", _("Only a published round becomes final."))
        elif fresh.objections_until and today() <= fresh.objections_until:
            errors.add("__all__", gettext(MSG_WINDOW) % {"day": fresh.objections_until.isoformat()})
        if fresh.objections.filter(outcome=ObjectionOutcome.PENDING).exists():
            errors.add("__all__", MSG_PENDING)
        errors.raise_if_any()
        fresh.status = RoundStatus.FINAL
        fresh.finalized_at = timezone.now()
        fresh.save(update_fields=["status", "finalized_at"])
        record("assessment.round", actor=actor, target=fresh, diff={"final": 1}, request=request)
    return fresh
