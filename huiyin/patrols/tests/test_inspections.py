"""Places, versioned checklists, inspections and the rectifications of failed items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from huiyin.org.roles import Role
from huiyin.patrols import defaults, services
from huiyin.patrols.models import (
    Checklist,
    ItemResult,
    Place,
    PlaceKind,
    Rectification,
    RectificationStatus,
    Result,
)
from huiyin.patrols.services import PatrolInvalid
from huiyin.patrols.tests.factories import inspect, jpeg
from huiyin.screening import periods

pytestmark = pytest.mark.django_db


def test_the_default_kinds_come_with_their_checklists(db):
    names = set(PlaceKind.objects.values_list("name", flat=True))
    assert {"宾馆", "网吧", "娱乐场所", "学校周边", "农贸市场", "建筑工地", "企业"} <= names
    cafe = services.current_checklist(PlaceKind.objects.get(code="internet_cafe"))
    texts = " ".join(cafe.items.values_list("text", flat=True))
    assert "未成年人禁入标志" in texts and "200米" in texts and "安全出口" in texts
    market = services.current_checklist(PlaceKind.objects.get(code="market"))
    assert "生熟分开" in " ".join(market.items.values_list("text", flat=True))
    # Made again only when missing.
    assert defaults.ensure_defaults() == 0


def test_the_registry_holds_the_place_never_its_guests(cafe):
    fields = {f.name for f in Place._meta.get_fields()}
    assert not any(word in name for name in fields for word in ("guest", "customer", "user_log"))
    assert cafe.responsible_phone_masked != "13812345678"
    assert cafe.responsible_phone == "13812345678"


def test_a_grid_worker_registers_no_place(grid_worker, community, grid, cafe_kind):
    with pytest.raises(PermissionDenied):
        services.save_place(
            grid_worker,
            kind=cafe_kind,
            name="网咖",
            address="某路1号",
            community=community,
            grid=grid,
            authority="culture",
        )


def test_a_community_worker_registers_places_of_their_community_only(
    community_worker, other_community, cafe_kind
):
    with pytest.raises(PermissionDenied):
        services.save_place(
            community_worker,
            kind=cafe_kind,
            name="网咖",
            address="某路1号",
            community=other_community,
            authority="culture",
        )


def test_the_same_place_is_registered_once(governance, cafe, community, cafe_kind):
    with pytest.raises(PatrolInvalid) as refused:
        services.save_place(
            governance,
            kind=cafe_kind,
            name=cafe.name,
            address=cafe.address,
            community=community,
            authority="culture",
        )
    assert "name" in refused.value.errors


def test_an_inspection_turns_each_failed_item_into_a_rectification(
    community_worker, cafe, deadline
):
    inspection = inspect(
        community_worker, cafe, fail=(5, 6), deadline=deadline, files={}, findings="入口无标志"
    )
    assert inspection.number.startswith("浓洄检〔") and inspection.number.endswith("0001号")
    assert inspection.results.count() == inspection.checklist.items.count()
    tasks = list(Rectification.objects.order_by("pk"))
    assert len(tasks) == 2
    assert {t.result.result for t in tasks} == {Result.FAIL}
    assert tasks[0].basis.startswith("《互联网上网服务营业场所管理条例》")
    assert tasks[0].responsible_party == cafe.name and tasks[0].deadline == deadline
    assert tasks[0].grid_id == cafe.grid_id
    second = inspect(community_worker, cafe)
    assert second.number.endswith("0002号")


def test_an_inspection_needs_every_result_a_deadline_and_signatures(community_worker, cafe):
    checklist = services.current_checklist(cafe.kind)
    first = checklist.items.order_by("order").first()
    with pytest.raises(PatrolInvalid) as refused:
        services.record_inspection(
            community_worker,
            cafe,
            inspected_on=periods.today() + timedelta(days=3),
            lead_authority="nobody",
            inspector_signatures="",
            results={first.pk: (Result.FAIL, "")},
            deadlines={first.pk: periods.today() - timedelta(days=1)},
        )
    errors = refused.value.errors
    assert {"inspected_on", "lead_authority", "inspector_signatures"} <= set(errors)
    assert f"deadline-{first.pk}" in errors
    assert sum(1 for key in errors if key.startswith("item-")) == checklist.items.count() - 1
    assert not ItemResult.objects.exists()


def test_an_item_photo_is_kept(community_worker, cafe):
    item = services.current_checklist(cafe.kind).items.order_by("order").first()
    inspection = inspect(community_worker, cafe, files={item.pk: jpeg()})
    assert inspection.results.get(item=item).photos.count() == 1


def test_a_grid_worker_records_no_inspection(grid_worker, cafe):
    with pytest.raises(PermissionDenied):
        inspect(grid_worker, cafe)


def test_an_old_inspection_keeps_its_checklist_version(governance, community_worker, cafe):
    old = inspect(community_worker, cafe, fail=(1,))
    v1 = old.checklist
    items = "\n".join(f"{i.text} | {i.basis}" for i in v1.items.order_by("order"))
    v2 = services.new_checklist_version(
        governance, cafe.kind, items=items + "\n场所内禁止吸烟标志 | 《公共场所卫生管理条例》"
    )
    assert v2.version == v1.version + 1 and v2.items.count() == v1.items.count() + 1
    assert services.current_checklist(cafe.kind) == v2
    new = inspect(community_worker, cafe)
    old.refresh_from_db()
    assert old.checklist == v1 and new.checklist == v2
    assert {r.item.checklist_id for r in old.results.all()} == {v1.pk}
    assert v1.items.count() == len(items.splitlines())  # never changed


def test_only_the_office_makes_checklist_versions(community_worker, cafe_kind):
    with pytest.raises(PermissionDenied):
        services.new_checklist_version(community_worker, cafe_kind, items="灭火器有效")
    assert Checklist.objects.filter(kind=cafe_kind).count() == 1


def test_bad_checklist_input_is_bounded(governance, cafe_kind):
    for items in ("", "x" * 300, "\n".join(["灭火器"] * 61)):
        with pytest.raises(PatrolInvalid):
            services.new_checklist_version(governance, cafe_kind, items=items)


def failed(actor, place, deadline):
    inspect(actor, place, fail=(1,), deadline=deadline)
    return Rectification.objects.get()


def test_a_rectification_is_reinspected_done(community_worker, cafe, deadline):
    task = failed(community_worker, cafe, deadline)
    services.reinspect(community_worker, task, on=periods.today(), result="passed", version=1)
    task.refresh_from_db()
    assert task.status == RectificationStatus.DONE and task.done_on == periods.today()
    with pytest.raises(PatrolInvalid):
        services.refer(community_worker, task, to="fire", on=periods.today())


def test_a_failed_reinspection_sets_a_new_deadline(community_worker, cafe, deadline):
    task = failed(community_worker, cafe, deadline)
    with pytest.raises(PatrolInvalid) as refused:
        services.reinspect(community_worker, task, on=periods.today(), result="failed")
    assert "new_deadline" in refused.value.errors
    later = deadline + timedelta(days=7)
    services.reinspect(
        community_worker, task, on=periods.today(), result="failed", new_deadline=later
    )
    task.refresh_from_db()
    assert task.status == RectificationStatus.OPEN and task.deadline == later


def test_a_referral_and_the_departments_result(community_worker, cafe, deadline):
    task = failed(community_worker, cafe, deadline)
    services.refer(community_worker, task, to="culture", on=periods.today())
    task.refresh_from_db()
    assert task.status == RectificationStatus.REFERRED and task.referred_to == "culture"
    services.record_referral_result(
        community_worker, task, result="文化执法已责令停业整顿并复查合格", rectified=True,
        on=periods.today(),
    )  # fmt: skip
    task.refresh_from_db()
    assert task.status == RectificationStatus.DONE


def test_a_stale_step_is_refused(community_worker, cafe, deadline):
    task = failed(community_worker, cafe, deadline)
    services.refer(community_worker, task, to="culture", on=periods.today(), version=1)
    with pytest.raises(PatrolInvalid) as refused:
        services.record_referral_result(
            community_worker, task, result="已整改", rectified=True, on=periods.today(), version=1
        )
    assert "__all__" in refused.value.errors


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR, Role.MEDIATOR])
def test_roles_that_only_read_take_no_rectification_step(personas, community_worker, cafe, role):
    task = failed(community_worker, cafe, periods.today() + timedelta(days=3))
    with pytest.raises(PermissionDenied):
        services.refer(personas[role], task, to="culture", on=periods.today())


def test_overdue_is_after_the_deadline_day(community_worker, cafe, grid_worker, personas):
    today = periods.today()
    task = failed(community_worker, cafe, today)
    assert services.overdue_count(on=today) == 0
    assert services.overdue_count(on=today + timedelta(days=1)) == 1
    # The dashboard's question, by the person's scope.
    assert services.overdue_count(grid_worker, on=today + timedelta(days=1)) == 1
    assert services.overdue_count(personas[Role.LEADER], on=today + timedelta(days=1)) == 1
    from huiyin.testing import factories as f

    elsewhere = f.GridFactory(community=f.CommunityFactory(street=task.street, name="别处社区"))
    stranger = f.person(Role.GRID_WORKER, username="far", grid=elsewhere)
    assert services.overdue_count(stranger, on=today + timedelta(days=1)) == 0
