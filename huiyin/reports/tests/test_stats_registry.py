"""The statistics engine composes each kind's registered figures: a kind adds a module, the
engine and the petitions' keys stay as they are."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from huiyin.cases.kinds import Kind
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register
from huiyin.reports import stats
from huiyin.reports.stats import engine


@pytest.fixture
def registry(monkeypatch):
    """The registry as it is, restored after the test."""
    stats.registered()  # every kind of the package registered before the copy
    monkeypatch.setattr(engine, "_REGISTRY", dict(engine._REGISTRY))
    return engine._REGISTRY


@pytest.fixture
def period():
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=9), today)


def test_the_petitions_are_registered_with_their_four_sections():
    keys = [entry.key for entry in stats.registered()]
    assert "petitions" in keys
    petitions = next(e for e in stats.registered() if e.key == "petitions")
    assert petitions.sections == ("petitions", "receptions", "goals", "replies")


def test_a_new_kind_adds_its_section_after_the_petitions_in_its_order(
    registry, personas, community, period
):
    clerk = personas[Role.PETITION_CLERK]
    register(clerk, community=community, received_at=timezone.localdate() - timedelta(days=1))
    seen = []

    def figures(period, *, user=None, scope=None):
        seen.append((period, user, scope))
        count = stats.cases(Kind.DISPUTE, period, user=user, scope=scope).count()
        return {"disputes": {"registered": count}}

    stats.register("disputes", figures, order=20)
    result = stats.compute(period, user=clerk)
    assert list(result)[:7] == [
        "period",
        "scope",
        "petitions",
        "receptions",
        "goals",
        "replies",
        "disputes",
    ]
    assert result["disputes"] == {"registered": 0}
    assert result["petitions"]["batches"] == 1
    assert seen == [(period, clerk, None)]
    assert stats.flat(result)["disputes.registered"] == 0
    json.dumps(result)  # still JSON


def test_the_dashboard_composes_the_other_kinds_too(registry, personas, period):
    stats.register("screening", lambda period, **kw: {"screening": {"expected": 3}}, order=30)
    composed, communities, grids = stats.dashboard(period, user=personas[Role.PETITION_CLERK])
    assert composed["screening"] == {"expected": 3}
    assert list(composed)[:5] == ["period", "scope", "petitions", "receptions", "goals"]


def test_a_kind_that_returns_other_keys_is_refused(db, registry, period):
    stats.register("disputes", lambda period, **kw: {"dispute": {}}, order=20)
    with pytest.raises(ValueError, match="disputes"):
        stats.compute(period)


def test_two_kinds_may_not_fill_the_same_section(registry):
    with pytest.raises(ValueError, match="goals"):
        stats.register("incidents", lambda period, **kw: {}, sections=("incidents", "goals"))


def test_a_kind_sees_only_what_the_person_may_see(personas, community, period):
    """stats.cases() is the one door: visible_to, withdrawn, period and scope."""
    clerk = personas[Role.PETITION_CLERK]
    register(clerk, community=community, received_at=timezone.localdate() - timedelta(days=1))
    assert stats.cases(Kind.PETITION, period, user=clerk).count() == 1
    assert stats.cases(Kind.PETITION, period, user=personas[Role.AUDITOR]).count() == 1
    outsider = personas[Role.DEPARTMENT_HANDLER]
    assert stats.cases(Kind.PETITION, period, user=outsider).count() == 0
    other = stats.Scope(community_id=community.pk + 1000)
    assert stats.cases(Kind.PETITION, period, scope=other).count() == 0
