"""What the URL x role crawl (huiyin.testing.crawl) needs of the patrol pages.

:func:`world` records, through the services, a patrol with a finding and a photo, a place
with an inspection whose failed item became a rectification, a roster entry and a volunteer
— in the grid worker's grid and again in another community — plus a special campaign and a
running sensitive period (while the demo records none). :data:`FILLERS` fills each patrol
page's path for a person: a row they may see ("in") and one they may not ("out").
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from huiyin.org.roles import Perm
from huiyin.patrols import access, services
from huiyin.patrols.models import (
    Finding,
    FindingPhoto,
    Inspection,
    Patrol,
    Place,
    PlaceKind,
    Rectification,
    ResultPhoto,
    RosterEntry,
    SensitivePeriod,
    SpecialCampaign,
    Volunteer,
)
from huiyin.screening import periods

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def world(actor) -> None:
    """The rows the crawl visits (see the module docstring); nothing when they exist."""
    # The demo may have patrols already, but no photos, campaign or sensitive period: each
    # piece is made unless it exists.
    from huiyin.org.access import reach_of
    from huiyin.org.models import Grid

    # The actor's own street's grids (another street's are outside their scope).
    grids = list(
        Grid.objects.filter(community__street_id__in=reach_of(actor).street_ids)
        .select_related("community")
        .order_by("community__order", "order")
    )
    if not grids:
        return
    other = next((g for g in grids if g.community_id != grids[0].community_id), grids[-1])
    today = periods.today()
    kind = PlaceKind.objects.filter(code="internet_cafe").first()
    pairs = () if FindingPhoto.objects.exists() else enumerate((grids[0], other))
    for index, grid in pairs:
        volunteer = services.add_volunteer(actor, community=grid.community, name=f"志愿者{index}")
        patrol = services.record_patrol(
            actor,
            kind="volunteer",
            grid=grid,
            started_at=periods.now() - timedelta(hours=2),
            duration_minutes=60,
            volunteers=[volunteer.pk],
        )
        services.add_finding(
            actor,
            patrol,
            kind="hazard",
            location=f"{index + 1}号楼北侧",
            description="消防通道堆放杂物",
            files=[SimpleUploadedFile("现场.jpg", JPEG, "image/jpeg")],
        )
        services.add_roster_entry(actor, grid=grid, day=today, kind="grid", volunteer=volunteer)
        if kind is None:
            continue
        place = services.save_place(
            actor,
            kind=kind,
            name=f"抽查网咖{index + 1}",
            address=f"翠屏路{index + 1}号",
            community=grid.community,
            grid=grid,
            authority="culture",
        )
        items = list(services.current_checklist(kind).items.order_by("order"))
        services.record_inspection(
            actor,
            place,
            inspected_on=today,
            lead_authority="culture",
            inspector_signatures="李检查",
            results={item.pk: ("fail" if n == 0 else "pass", "") for n, item in enumerate(items)},
            deadlines={items[0].pk: today + timedelta(days=7)},
            files={items[0].pk: SimpleUploadedFile("现场.jpg", JPEG, "image/jpeg")},
        )
    if not SpecialCampaign.objects.exists():
        services.create_campaign(
            actor,
            name="网吧专项整治",
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=30),
            places=list(Place.objects.values_list("pk", flat=True)),
        )
    if not SensitivePeriod.objects.exists():
        services.create_period(
            actor,
            name="特殊时期",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=3),
        )


def _split(person, queryset, perm=Perm.PATROLS_VIEW) -> tuple[set, set]:
    every = set(queryset.values_list("pk", flat=True))
    seen = set()
    if person.user is not None:
        seen = set(access.rows(person.user, queryset, perm).values_list("pk", flat=True))
    return every & seen, every - seen


def _rows(model, perm=Perm.PATROLS_VIEW, extra=None):
    def fill(w, p, scope: str) -> list[dict]:
        inside, outside = _split(p, model.objects.all(), perm)
        pool = inside if scope == "in" else outside
        if not pool:
            return []
        return [{"pk": min(pool), **(extra or {})}]

    return fill


def _through(model, parent, link: str):
    """Rows reached through a parent's door (a finding through its patrol)."""

    def fill(w, p, scope: str) -> list[dict]:
        inside, outside = _split(p, parent.objects.all())
        pool = inside if scope == "in" else outside
        rows = model.objects.filter(**{f"{link}__in": pool}).values_list("pk", flat=True)
        found = sorted(rows)
        return [{"pk": found[0]}] if found else []

    return fill


def _roster(w, p, scope: str) -> list[dict]:
    from huiyin.org.models import Grid

    grids = set(access.grids_in(p.user, Perm.PATROLS_VIEW).values_list("pk", flat=True))
    every = set(Grid.objects.values_list("pk", flat=True))
    pool = grids if scope == "in" else every - grids
    found = sorted(RosterEntry.objects.filter(grid__in=pool).values_list("pk", flat=True))
    return [{"pk": found[0]}] if found else []


def _neutral(model):
    def fill(w, p, scope: str) -> list[dict]:
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        return [{"pk": first}] if scope == "in" and first else []

    return fill


FILLERS = {
    "patrols:detail": _rows(Patrol),
    "patrols:finding_new": _rows(Patrol),
    "patrols:finding_step": _through(Finding, Patrol, "patrol"),
    "patrols:finding_photo": _through(FindingPhoto, Patrol, "finding__patrol"),
    "patrols:roster_remove": _roster,
    "patrols:volunteer_toggle": _rows(Volunteer),
    "patrols:place": _rows(Place),
    "patrols:place_edit": _rows(Place),
    "patrols:inspection_new": _rows(Place),
    "patrols:inspection": _rows(Inspection),
    "patrols:inspection_document": _rows(Inspection, extra={"slug": "rectification-notice"}),
    "patrols:result_photo": _through(ResultPhoto, Inspection, "result__inspection"),
    "patrols:rectification": _rows(Rectification),
    "patrols:rectification_step": _rows(Rectification),
    "patrols:campaign": _neutral(SpecialCampaign),
    "patrols:sensitive_period": _neutral(SensitivePeriod),
    "patrols:sensitive_file": _neutral(SensitivePeriod),
}
