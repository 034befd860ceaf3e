"""Recording patrols and findings: who may record where, and findings that name no one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from huiyin.cases.kinds import Kind
from huiyin.org.roles import Role
from huiyin.patrols import photos, rules, services
from huiyin.patrols.models import Finding, FindingOutcome, FindingPhoto, Patrol, Rectification
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.tests.factories import PNG_BYTES, jpeg, started
from huiyin.privacy.models import AuditEntry
from huiyin.privacy.validators import resident_id_check_digit
from huiyin.screening import periods

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519900307123" + resident_id_check_digit("11010519900307123")


def finding(actor, patrol, **extra):
    data = {"kind": "hazard", "location": "3号楼北侧", "description": "消防通道堆放杂物"}
    data.update(extra)
    return services.add_finding(actor, patrol, **data)


def test_a_grid_worker_records_a_patrol_in_their_own_grid(grid_worker, grid):
    patrol = services.record_patrol(
        grid_worker, kind="grid", grid=grid, started_at=started(), duration_minutes=60
    )
    assert patrol.community_id == grid.community_id and patrol.grid_id == grid.pk
    # The recorder is the team's staff member when no team is named.
    assert list(patrol.staff.values_list("user", flat=True)) == [grid_worker.pk]
    assert AuditEntry.objects.filter(action="patrol.record").count() == 1


def test_a_grid_worker_may_not_record_in_another_grid(grid_worker, other_grid):
    with pytest.raises(PermissionDenied):
        services.record_patrol(
            grid_worker, kind="grid", grid=other_grid, started_at=started(), duration_minutes=60
        )
    assert not Patrol.objects.exists()
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_a_community_worker_records_in_the_community_grids_only(
    community_worker, grid, other_grid, community
):
    services.record_patrol(
        community_worker, kind="grid", grid=grid, started_at=started(), duration_minutes=30
    )
    services.record_patrol(
        community_worker,
        kind="grid",
        community=community,
        route="翠屏路沿线",
        started_at=started(),
        duration_minutes=30,
    )
    with pytest.raises(PermissionDenied):
        services.record_patrol(
            community_worker,
            kind="grid",
            grid=other_grid,
            started_at=started(),
            duration_minutes=30,
        )


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR, Role.MEDIATOR, Role.PETITION_CLERK])
def test_roles_that_do_not_patrol_record_nothing(personas, grid, role):
    with pytest.raises(PermissionDenied):
        services.record_patrol(
            personas[role], kind="grid", grid=grid, started_at=started(), duration_minutes=30
        )


def test_bad_patrol_input_is_refused_with_every_problem(grid_worker, grid):
    with pytest.raises(PatrolInvalid) as refused:
        services.record_patrol(
            grid_worker,
            kind="surveillance",
            grid=grid,
            started_at=periods.now() + timedelta(days=2),
            duration_minutes="99999999999999999999",
            staff=["1e308"],
        )
    assert set(refused.value.errors) == {"kind", "started_at", "duration_minutes", "staff"}
    assert not Patrol.objects.exists()


def test_a_volunteer_patrol_names_volunteers_and_a_joint_one_the_police(
    community_worker, grid, community
):
    with pytest.raises(PatrolInvalid) as refused:
        services.record_patrol(
            community_worker, kind="volunteer", grid=grid, started_at=started(), duration_minutes=30
        )
    assert "volunteers" in refused.value.errors
    with pytest.raises(PatrolInvalid) as refused:
        services.record_patrol(
            community_worker, kind="joint", grid=grid, started_at=started(), duration_minutes=30
        )
    assert "police_unit" in refused.value.errors
    helper = services.add_volunteer(
        community_worker, community=community, name="周阿姨", phone="13912345678"
    )
    assert helper.phone_masked.startswith("139") and "1234" not in helper.phone_masked
    patrol = services.record_patrol(
        community_worker,
        kind="volunteer",
        grid=grid,
        started_at=started(),
        duration_minutes=120,
        volunteers=[helper.pk],
    )
    assert list(patrol.volunteers.all()) == [helper]


def test_a_finding_with_an_id_number_is_refused(grid_worker, patrol):
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, description=f"发现可疑，身份证号{ID_NUMBER}")
    assert refused.value.errors["description"] == [rules.MSG_ID]
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "联系人电话13812345678",
        "电话 138 1234 5678",
        "电话：１３８１２３４５６７８",
        "座机0816-2345678",
        "+8613812345678",
    ],
)
def test_a_finding_with_a_phone_number_is_refused(grid_worker, patrol, text):
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, location=text)
    assert refused.value.errors["location"] == [rules.MSG_PHONE]


@pytest.mark.parametrize("text", ["车牌川A12345停在消防通道", "川a·D12345 占道", "京B 1234X"])
def test_a_finding_with_a_car_plate_is_refused(grid_worker, patrol, text):
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, description=text)
    assert refused.value.errors["description"] == [rules.MSG_PLATE]


@pytest.mark.parametrize(
    "text",
    [
        "3号楼2单元消防栓损坏",
        "湘江路口路灯不亮，长约200米",
        "2026年6月8日14时30分巡查",
        "占道经营12处，共计35个摊位",
        "配电箱编号A12门未关",
    ],
)
def test_conditions_with_numbers_are_accepted(grid_worker, patrol, text):
    assert finding(grid_worker, patrol, description=text).pk


def test_a_finding_about_a_person_to_watch_is_refused(grid_worker, patrol):
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, description="发现可疑人员在小区徘徊")
    assert refused.value.errors["description"] == [rules.MSG_PERSON]


def test_a_finding_keeps_photos_of_the_premises_bounded(grid_worker, patrol, settings):
    kept = finding(grid_worker, patrol, files=[jpeg(), SimpleUploadedFile("b.png", PNG_BYTES)])
    assert kept.photos.count() == 2
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, files=[jpeg() for _ in range(4)])
    assert "photos" in refused.value.errors
    with pytest.raises(PatrolInvalid) as refused:
        finding(grid_worker, patrol, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    assert refused.value.errors["photos"] == [photos.MSG_IMAGE]
    settings.HUIYIN_PATROL_PHOTO_MAX_BYTES = 10
    with pytest.raises(PatrolInvalid):
        finding(grid_worker, patrol, files=[jpeg()])
    assert FindingPhoto.objects.count() == 2


def test_another_grids_worker_adds_no_finding(personas, patrol, other_grid):
    from huiyin.testing import factories as f

    stranger = f.person(Role.GRID_WORKER, username="grid9", grid=other_grid)
    with pytest.raises(PermissionDenied):
        finding(stranger, patrol)


def test_a_finding_becomes_a_rectification_once(grid_worker, patrol, deadline):
    found = finding(grid_worker, patrol)
    task = services.to_rectification(
        grid_worker, found, responsible_party="物业公司", deadline=deadline
    )
    found.refresh_from_db()
    assert found.outcome == FindingOutcome.RECTIFICATION and found.rectification == task
    assert task.grid_id == patrol.grid_id and task.deadline == deadline
    assert "消防通道堆放杂物" in task.item
    with pytest.raises(PatrolInvalid):
        services.mark_noted(grid_worker, found, note="已清理")
    assert Rectification.objects.count() == 1


def test_a_rectification_deadline_is_not_in_the_past(grid_worker, patrol):
    found = finding(grid_worker, patrol)
    with pytest.raises(PatrolInvalid) as refused:
        services.to_rectification(
            grid_worker,
            found,
            responsible_party="物业公司",
            deadline=periods.today() - timedelta(days=1),
        )
    assert "deadline" in refused.value.errors


def test_a_finding_becomes_a_dispute_in_one_step(grid_worker, patrol):
    found = finding(grid_worker, patrol, kind="dispute", description="两户因占用楼道发生争吵")
    case = services.to_dispute(grid_worker, found, title="楼道占用纠纷")
    found.refresh_from_db()
    assert case.kind == Kind.DISPUTE and found.case == case
    assert found.outcome == FindingOutcome.DISPUTE
    assert case.dispute.source == "patrol" and case.grid_id == patrol.grid_id


def test_a_finding_links_an_incident_by_number_until_incidents_offer_a_maker(
    grid_worker, patrol, street, grid
):
    from huiyin.cases.tests.factories import make_case

    found = finding(grid_worker, patrol, kind="event", description="小区车棚起火，已扑灭")
    with pytest.raises(PatrolInvalid):
        services.to_incident(grid_worker, found, title="车棚火情")
    incident = make_case(kind=Kind.INCIDENT, street=street, community=grid.community, grid=grid)
    with pytest.raises(PatrolInvalid):
        services.link_case(grid_worker, found, kind=Kind.INCIDENT, number="浓洄事〔2026〕9999号")
    services.link_case(grid_worker, found, kind=Kind.INCIDENT, number=incident.number)
    found.refresh_from_db()
    assert found.outcome == FindingOutcome.INCIDENT and found.case == incident


def test_an_incident_maker_registered_by_the_incidents_kind_is_used(
    grid_worker, patrol, street, grid, monkeypatch
):
    from huiyin.cases.tests.factories import make_case
    from huiyin.patrols import hooks

    made = {}

    def make(actor, **data):
        made.update(data)
        return make_case(kind=Kind.INCIDENT, street=street, community=grid.community, grid=grid)

    monkeypatch.setattr(hooks, "_makers", [make])
    found = finding(grid_worker, patrol, kind="event", description="小区车棚起火，已扑灭")
    case = services.to_incident(grid_worker, found, title="车棚火情")
    assert found.case == case and made["source"] == "patrol" and made["grid"] == grid
