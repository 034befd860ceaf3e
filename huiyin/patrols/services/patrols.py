"""Recording patrols and their findings, the volunteer roster, the weekly patrol roster.

Each service checks who may act where (Perm.PATROLS_RECORD over the grid or community: a grid
worker records in their own grid only), validates with translatable messages and writes the
rows, their photos and the audit entry in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.org.models import Community, Grid, Staff
from huiyin.org.roles import Perm
from huiyin.patrols import access, photos
from huiyin.patrols.models import (
    MAX_DURATION_MINUTES,
    Finding,
    FindingKind,
    FindingPhoto,
    Patrol,
    PatrolKind,
    Place,
    RosterEntry,
    Volunteer,
)
from huiyin.patrols.services.common import MSG_CHOICE, MSG_REQUIRED, Errors, now, pick, today
from huiyin.privacy import masking
from huiyin.privacy.validators import validate_phone
from huiyin.screening import periods

ROUTE_MAX = 200
NOTE_MAX = 1000
LOCATION_MAX = 200
DESCRIPTION_MAX = 1000
POLICE_UNIT_MAX = 80
NAME_MAX = 40
#: The most team members one patrol names, staff and volunteers each.
TEAM_MAX = 30
#: A patrol may be recorded as starting up to this long ahead (a phone's clock a bit fast).
CLOCK_SKEW = timedelta(minutes=10)

MSG_GRID_OR_ROUTE = _("Choose the grid patrolled, or describe the route.")
MSG_GRID_COMMUNITY = _("The grid lies in another community.")
MSG_DURATION = _("The duration is a number of minutes from 1 to %(max)s.")
MSG_STARTED = _("Enter when the patrol started (not in the future).")
MSG_TEAM = _("Name at least one member of the team.")
MSG_TEAM_MAX = _("At most %(max)s members of each kind.")
MSG_MEMBER = _("Choose team members from the lists.")
MSG_VOLUNTEERS = _("A volunteer patrol names at least one volunteer from the roster.")
MSG_POLICE = _("A joint patrol names the police unit it was made with.")
MSG_PLACE = _("Choose a key place of the patrol's community.")
MSG_PHOTOS_MAX = _("At most %(max)s photos.")
MSG_ROSTER_TWICE = _("This person is already on the roster for that grid and day.")
MSG_ROSTER_MEMBER = _("Choose one staff member or one volunteer.")


def _audit(action: str, actor, target, diff=None, request=None) -> None:
    from huiyin.privacy.audit import record

    record(action, actor=actor, target=target, diff=diff or {}, request=request)


def _place(community, grid, errors: Errors):
    """(community, grid) from ids or rows; the grid's community wins when both are given."""
    grid = pick(Grid, grid)
    community = pick(Community, community)
    if grid is not None:
        if community is not None and community.pk != grid.community_id:
            errors.add("grid", MSG_GRID_COMMUNITY)
        community = grid.community
    return community, grid


def _started(value, errors: Errors) -> datetime | None:
    if not isinstance(value, datetime):
        errors.add("started_at", MSG_STARTED)
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    problem = bounds.date_error(value.astimezone(CHINA_TZ).date(), future_ok=True)
    if problem is not None or value > now() + CLOCK_SKEW:
        errors.add("started_at", MSG_STARTED)
        return None
    return value


def _members(model, values, key: str, errors: Errors, **filters) -> list:
    values = list(values or ())
    if len(values) > TEAM_MAX:
        errors.add(key, MSG_TEAM_MAX % {"max": TEAM_MAX})
        return []
    ids = set()
    for value in values:
        pk = bounds.bounded_int(getattr(value, "pk", value), 1, bounds.MAX_ID)
        if pk is None:
            errors.add(key, MSG_MEMBER)
            return []
        ids.add(pk)
    found = list(model.objects.filter(pk__in=ids, **filters))
    if len(found) != len(ids):
        errors.add(key, MSG_MEMBER)
    return found


def record_patrol(
    actor,
    *,
    kind: str,
    started_at,
    duration_minutes,
    community=None,
    grid=None,
    route: str = "",
    staff=(),
    volunteers=(),
    police_unit: str = "",
    note: str = "",
    request=None,
) -> Patrol:
    """Record a patrol made in `grid` (or along `route` in `community`).

    PermissionDenied (audited) when `actor` may not record patrols there; PatrolInvalid with
    every problem otherwise. Without `staff`, the recorder is the team's staff member.
    """
    errors = Errors()
    community, grid = _place(community, grid, errors)
    route = errors.text("route", route, ROUTE_MAX)
    if community is None or (grid is None and not route):
        errors.add("grid", MSG_GRID_OR_ROUTE)
        errors.raise_if_any()
    if not access.covers(actor, Perm.PATROLS_RECORD, community.pk, grid.pk if grid else None):
        access.deny(actor, "patrol.record")
    if kind not in PatrolKind.values:
        errors.add("kind", MSG_CHOICE)
    started_at = _started(started_at, errors)
    minutes = bounds.bounded_int(duration_minutes, 1, MAX_DURATION_MINUTES)
    if minutes is None:
        errors.add("duration_minutes", MSG_DURATION % {"max": MAX_DURATION_MINUTES})
    team = _members(Staff, staff, "staff", errors)
    if not staff and not errors.get("staff"):
        own = Staff.objects.filter(user=actor).first()
        team = [own] if own is not None else []
    crew = _members(
        Volunteer, volunteers, "volunteers", errors, street=community.street_id, active=True
    )
    police_unit = errors.text("police_unit", police_unit, POLICE_UNIT_MAX)
    note = errors.text("note", note, NOTE_MAX)
    if kind == PatrolKind.VOLUNTEER and not crew and not errors.get("volunteers"):
        errors.add("volunteers", MSG_VOLUNTEERS)
    if kind == PatrolKind.JOINT and not police_unit:
        errors.add("police_unit", MSG_POLICE)
    if not team and not crew and not errors.get("staff"):
        errors.add("staff", MSG_TEAM)
    errors.raise_if_any()

    with transaction.atomic():
        patrol = Patrol.objects.create(
            street_id=community.street_id,
            community=community,
            grid=grid,
            route=route,
            kind=kind,
            started_at=started_at,
            duration_minutes=minutes,
            police_unit=police_unit,
            note=note,
            recorded_by=actor,
            recorded_at=now(),
        )
        patrol.staff.set(team)
        patrol.volunteers.set(crew)
        _audit(
            "patrol.record",
            actor,
            patrol,
            {"kind": kind, "minutes": minutes, "staff": len(team), "volunteers": len(crew)},
            request,
        )
    return patrol


def add_finding(
    actor,
    patrol: Patrol,
    *,
    kind: str,
    location: str,
    description: str,
    place=None,
    files=(),
    request=None,
) -> Finding:
    """Add a finding (a condition or an event, never a person) with up to three photos."""
    if not access.may(actor, Perm.PATROLS_RECORD, patrol):
        access.deny(actor, "patrol.finding")
    errors = Errors()
    if kind not in FindingKind.values:
        errors.add("kind", MSG_CHOICE)
    location = errors.text("location", location, LOCATION_MAX, required=True)
    description = errors.text("description", description, DESCRIPTION_MAX, required=True)
    chosen = None
    if place not in (None, ""):
        chosen = pick(Place, place, community=patrol.community_id, active=True)
        if chosen is None:
            errors.add("place", MSG_PLACE)
    uploads = _photos(files, photos.MAX_PER_FINDING, "photos", errors)
    errors.raise_if_any()
    saved = []
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                patrol=patrol,
                kind=kind,
                location=location,
                description=description,
                place=chosen,
                recorded_by=actor,
                recorded_at=now(),
            )
            for upload, facts in uploads:
                saved.append(
                    photos.store(FindingPhoto, upload, facts, actor=actor, finding=finding)
                )
            _audit("patrol.finding", actor, finding, {"kind": kind, "photos": len(saved)}, request)
    except BaseException:
        photos.forget(saved)
        raise
    return finding


def _photos(files, limit: int, key: str, errors: Errors) -> list:
    from huiyin.cases.exceptions import AttachmentRefused

    files = [f for f in (files or ()) if f]
    if len(files) > limit:
        errors.add(key, MSG_PHOTOS_MAX % {"max": limit})
        return []
    out = []
    for upload in files:
        try:
            out.append((upload, photos.check(upload)))
        except AttachmentRefused as refused:
            errors.add(key, refused.message)
    return out


# --------------------------------------------------------------------------- volunteers


def add_volunteer(actor, *, community, name: str, phone: str = "", request=None) -> Volunteer:
    """Put a volunteer on the roster of `community` (Perm.PATROLS_RECORD over it)."""
    from django.core.exceptions import ValidationError

    errors = Errors()
    community = pick(Community, community)
    if community is None:
        errors.add("community", MSG_REQUIRED)
        errors.raise_if_any()
    if not access.covers(actor, Perm.PATROLS_RECORD, community.pk):
        access.deny(actor, "patrol.volunteer")
    name = errors.text("name", name, NAME_MAX, required=True, matter=False)
    phone = bounds.strip_nul(str(phone or "")).strip()[:40]
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as problem:
            errors.add("phone", problem.messages[0])
    errors.raise_if_any()
    with transaction.atomic():
        volunteer = Volunteer.objects.create(
            street_id=community.street_id,
            community=community,
            name=name,
            phone=phone,
            phone_masked=masking.mask_phone(phone) if phone else "",
        )
        _audit("patrol.volunteer", actor, volunteer, {"community": community.pk}, request)
    return volunteer


def set_volunteer_active(actor, volunteer: Volunteer, active: bool, request=None) -> None:
    if not access.covers(actor, Perm.PATROLS_RECORD, volunteer.community_id):
        access.deny(actor, "patrol.volunteer")
    with transaction.atomic():
        Volunteer.objects.filter(pk=volunteer.pk).update(active=bool(active))
        _audit("patrol.volunteer", actor, volunteer, {"active": bool(active)}, request)


# --------------------------------------------------------------------------- roster


def add_roster_entry(
    actor, *, grid, day, kind: str, staff=None, volunteer=None, note: str = "", request=None
) -> RosterEntry:
    """Put a staff member or a volunteer on patrol in `grid` on `day`."""
    from huiyin.patrols.services.common import day as read_day

    errors = Errors()
    grid = pick(Grid, grid)
    if grid is None:
        errors.add("grid", MSG_REQUIRED)
        errors.raise_if_any()
    if not access.covers(actor, Perm.PATROLS_RECORD, grid.community_id, grid.pk):
        access.deny(actor, "patrol.roster")
    on = read_day(day, "day", errors, future_ok=True)
    if kind not in PatrolKind.values:
        errors.add("kind", MSG_CHOICE)
    member = pick(Staff, staff)
    crew = pick(Volunteer, volunteer, street=grid.community.street_id, active=True)
    if (member is None) == (crew is None):
        errors.add("member", MSG_ROSTER_MEMBER)
    note = errors.text("note", note, 100)
    errors.raise_if_any()
    same = RosterEntry.objects.filter(grid=grid, day=on, staff=member, volunteer=crew)
    if same.exists():
        errors.add("member", MSG_ROSTER_TWICE)
        errors.raise_if_any()
    with transaction.atomic():
        entry = RosterEntry.objects.create(
            grid=grid,
            week_start=periods.containing(on, periods.WEEK).start,
            day=on,
            kind=kind,
            staff=member,
            volunteer=crew,
            note=note,
            created_by=actor,
        )
        _audit("patrol.roster", actor, grid, {"day": on.isoformat(), "kind": kind}, request)
    return entry


def remove_roster_entry(actor, entry: RosterEntry, request=None) -> None:
    if not access.covers(actor, Perm.PATROLS_RECORD, entry.grid.community_id, entry.grid_id):
        access.deny(actor, "patrol.roster")
    with transaction.atomic():
        _audit("patrol.roster", actor, entry.grid, {"removed": entry.day.isoformat()}, request)
        entry.delete()


def week_bounds(week: periods.Period) -> tuple[datetime, datetime]:
    """The week's first and last moment (Beijing time) for filtering patrols by start."""
    start = datetime.combine(week.start, datetime.min.time(), tzinfo=CHINA_TZ)
    return start, start + timedelta(days=7)


def current_week() -> periods.Period:
    return periods.containing(today(), periods.WEEK)


# --------------------------------------------------------------------------- coverage


def coverage(user, week: periods.Period, *, perm: str = Perm.PATROLS_VIEW) -> list[dict]:
    """For each grid `user` may see: the week's patrols (count, minutes), its roster entries
    and whether it was patrolled at all. Three queries whatever the number of grids."""
    from django.db.models import Count, Sum

    grids = list(access.grids_in(user, perm))
    start, end = week_bounds(week)
    done = {
        row["grid"]: row
        for row in Patrol.objects.filter(grid__in=grids, started_at__gte=start, started_at__lt=end)
        .values("grid")
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
    }
    planned = dict(
        RosterEntry.objects.filter(grid__in=grids, week_start=week.start)
        .values("grid")
        .annotate(n=Count("pk"))
        .values_list("grid", "n")
    )
    return [
        {
            "grid": grid,
            "patrols": done.get(grid.pk, {}).get("n", 0),
            "hours": round((done.get(grid.pk, {}).get("minutes") or 0) / 60, 1),
            "planned": planned.get(grid.pk, 0),
            "covered": grid.pk in done,
        }
        for grid in grids
    ]
