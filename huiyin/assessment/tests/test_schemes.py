"""Schemes: published before their period, never edited once published, new versions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from huiyin.assessment.defaults import NAME, ensure_default_scheme
from huiyin.assessment.models import Method, Scheme, SchemeStatus
from huiyin.assessment.services import schemes
from huiyin.assessment.services.common import AssessmentInvalid
from huiyin.org.roles import Role

pytestmark = pytest.mark.django_db

RATE_ITEM = {
    "title": "按期办结",
    "method": Method.RATE,
    "stat_key": "petitions.on_time_rate",
    "max_points": 20,
    "target": "0.95",
    "floor": "0.6",
}


@pytest.fixture
def office(personas):
    return personas[Role.GOVERNANCE_STAFF]


def draft(office, *, starts_in: int = 30) -> Scheme:
    found = schemes.create_scheme(
        actor=office,
        data={"name": "年度考核", "valid_from": timezone.localdate() + timedelta(days=starts_in)},
    )
    schemes.save_item(found, actor=office, data=RATE_ITEM)
    return found


def test_a_draft_is_published_before_its_period_starts(office):
    found = schemes.publish(draft(office, starts_in=1), actor=office)
    assert found.status == SchemeStatus.PUBLISHED
    assert found.published_by == office and found.published_at is not None


@pytest.mark.parametrize("starts_in", [0, -1, -200])
def test_publishing_a_scheme_whose_period_has_started_is_refused(office, starts_in):
    found = draft(office, starts_in=starts_in)
    with pytest.raises(AssessmentInvalid) as refused:
        schemes.publish(found, actor=office)
    assert "valid_from" in refused.value.errors
    found.refresh_from_db()
    assert found.status == SchemeStatus.DRAFT


def test_a_scheme_without_items_is_not_published(office):
    found = schemes.create_scheme(
        actor=office, data={"name": "空", "valid_from": timezone.localdate() + timedelta(days=5)}
    )
    with pytest.raises(AssessmentInvalid):
        schemes.publish(found, actor=office)


def test_a_published_scheme_is_never_edited(office):
    found = schemes.publish(draft(office), actor=office)
    item = found.items.get()
    for change in (
        lambda: schemes.save_item(found, actor=office, data=RATE_ITEM),
        lambda: schemes.save_item(
            found, actor=office, data={**RATE_ITEM, "max_points": 5}, item=item
        ),
        lambda: schemes.delete_item(item, actor=office),
        lambda: schemes.update_scheme(
            found, actor=office, data={"valid_from": date.today() + timedelta(days=90)}
        ),
    ):
        with pytest.raises(AssessmentInvalid) as refused:
            change()
        assert refused.value.errors["__all__"] == [schemes.MSG_PUBLISHED]
    item.refresh_from_db()
    assert item.max_points == 20 and found.items.count() == 1


def test_a_change_is_a_new_version(office):
    first = schemes.publish(draft(office), actor=office)
    second = schemes.new_version(first, actor=office)
    assert (second.name, second.version, second.status) == (first.name, 2, SchemeStatus.DRAFT)
    assert second.based_on == first
    assert [i.stat_key for i in second.items.all()] == ["petitions.on_time_rate"]
    schemes.save_item(
        second,
        actor=office,
        data={**RATE_ITEM, "title": "满意", "stat_key": "petitions.satisfaction_rate"},
    )
    assert first.items.count() == 1 and second.items.count() == 2


def test_the_built_in_scheme_gets_new_versions_too(office):
    built_in = ensure_default_scheme()
    copy = schemes.new_version(built_in, actor=office)
    assert copy.name == NAME and copy.version == 2 and not copy.built_in
    assert copy.items.count() == built_in.items.count()
    assert copy.valid_from > timezone.localdate()


def test_the_version_that_applies_to_a_period(office):
    built_in = ensure_default_scheme()
    today = timezone.localdate()
    assert schemes.scheme_for(NAME, today - timedelta(days=100), today) == built_in
    newer = schemes.new_version(built_in, actor=office)
    schemes.publish(newer, actor=office)
    # The new version judges only periods from its first day on.
    assert schemes.scheme_for(NAME, today - timedelta(days=100), today) == built_in
    later = newer.valid_from
    assert schemes.scheme_for(NAME, later, later + timedelta(days=30)) == newer
    with pytest.raises(AssessmentInvalid):
        schemes.scheme_for("没有这个方案", today, today)


def test_only_the_office_edits_schemes(personas):
    for role in (Role.LEADER, Role.COMMUNITY_WORKER, Role.AUDITOR, Role.PETITION_CLERK):
        with pytest.raises(PermissionDenied):
            schemes.create_scheme(
                actor=personas[role], data={"name": "x", "valid_from": date.today()}
            )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_points": 0}, "max_points"),
        ({"max_points": "1e9"}, "max_points"),
        ({"max_points": "NaN"}, "max_points"),
        ({"target": "1.5"}, "target"),
        ({"floor": "0.99"}, "floor"),
        ({"method": "bogus"}, "method"),
        ({"stat_key": "screening.missing"}, "stat_key"),  # a count is no rate
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_items_are_refused_with_a_message(office, change, field):
    found = schemes.create_scheme(
        actor=office, data={"name": "校验", "valid_from": timezone.localdate() + timedelta(days=9)}
    )
    with pytest.raises(AssessmentInvalid) as refused:
        schemes.save_item(found, actor=office, data={**RATE_ITEM, **change})
    assert field in refused.value.errors
    assert not found.items.exists()
