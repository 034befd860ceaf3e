"""``assessment.ranking`` in ``huiyin stats --json``: the ranking ``huiyin assess`` prints, for
holders of ``assessment.view`` only, one body under a scope, computed only when asked for (the
dashboard does not pay for it), and unmoved by lawful petitions."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huiyin.assessment.defaults import NAME, ensure_default_scheme
from huiyin.assessment.models import Scheme
from huiyin.assessment.services import rounds
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import register
from huiyin.reports import stats
from huiyin.reports.stats.assessment_ranking import SECTION

pytestmark = pytest.mark.django_db

ROW_KEYS = ("unit", "kind", "score", "vetoed")


def command(name: str, *args) -> dict:
    out = io.StringIO()
    call_command(name, *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def stats_json(period, *more) -> dict:
    return command(
        "stats", "--from", period.start.isoformat(), "--to", period.end.isoformat(), *more
    )


def assess_rows(period, *more) -> list[dict]:
    found = command(
        "assess", "--from", period.start.isoformat(), "--to", period.end.isoformat(), *more
    )
    return [{key: row[key] for key in ROW_KEYS} for row in found["ranking"]]


def ranking(period, **kwargs) -> dict:
    return stats.compute(period, include=(SECTION,), **kwargs)[SECTION]


def test_the_ranking_equals_huiyin_assess_for_the_same_period(handled, period):
    found = stats_json(period)["assessment"]
    assert found["scheme"] == NAME
    assert found["ranking"] == assess_rows(period)
    rows = {row["unit"]: row for row in found["ranking"]}
    # Hand-counted (conftest): 翠屏路 handled everything on time, 柑子园 did not.
    assert rows["翠屏路社区"]["score"] > rows["柑子园社区"]["score"]
    assert [r["kind"] for r in found["ranking"]] == sorted(
        (r["kind"] for r in found["ranking"]), key=["community", "unit"].index
    )
    assert all(set(row) == set(ROW_KEYS) for row in found["ranking"])


def test_the_table_names_the_section(handled, period):
    out = io.StringIO()
    call_command(
        "stats",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        stdout=out,
    )
    assert "柑子园社区" in out.getvalue()


def test_only_a_holder_of_assessment_view_gets_a_ranking(handled, period, personas):
    for role in (Role.PETITION_CLERK, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER, Role.MEDIATOR):
        assert ranking(period, user=personas[role]) == {"ranking": [], "scheme": None}, role
    for role in (Role.LEADER, Role.GOVERNANCE_STAFF, Role.AUDITOR):
        assert ranking(period, user=personas[role])["ranking"] == ranking(period)["ranking"]


def test_a_scope_gives_only_its_body(handled, period, community, unit, grid):
    everyone = {row["unit"]: row for row in ranking(period)["ranking"]}
    mine = ranking(period, scope=stats.Scope(community_id=community.pk))["ranking"]
    assert mine == [everyone[community.name]]
    theirs = ranking(period, scope=stats.Scope(unit_id=unit.pk))["ranking"]
    assert theirs == [everyone[unit.name]]
    assert ranking(period, scope=stats.Scope(grid_id=grid.pk))["ranking"] == []
    found = command(
        "stats",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        "--community",
        community.name,
    )
    assert found["assessment"]["ranking"] == [everyone[community.name]]


def test_lawful_petitions_do_not_move_the_ranking(handled, period, personas, community, unit):
    before = ranking(period)
    clerk = personas[Role.PETITION_CLERK]
    # Received today: nothing of theirs is due yet, so only their number and level change.
    now = timezone.now()
    for n in range(6):
        register(clerk, community=community, title=f"再次反映楼道堆物（{n}）", received_at=now)
    # Lodged at higher levels too: the built-in scheme never reads where people petitioned.
    for n in range(3):
        register(
            clerk, community=community, title=f"赴省反映（{n}）", level="province", received_at=now
        )
    assert stats.compute(period)["petitions"]["batches"] == len(handled) + 9
    after = ranking(period)
    assert after == before
    assert after["ranking"] == assess_rows(period)


def test_computed_only_when_asked_for(handled, period, personas):
    leader = personas[Role.LEADER]
    assert SECTION not in stats.compute(period, user=leader)
    composed, _communities, _grids = stats.dashboard(period, user=leader)
    assert SECTION not in composed
    with CaptureQueriesContext(connection) as plain:
        stats.compute(period, user=leader)
    with CaptureQueriesContext(connection) as asked:
        stats.compute(period, user=leader, include=(SECTION,))
    # Scoring reads every body's figures: far more than the rest of the statistics.
    assert len(asked) > len(plain)


def test_a_round_of_the_same_period_decides_the_scheme(handled, period, scheme, personas):
    office = personas[Role.GOVERNANCE_STAFF]
    rounds.create_round(
        actor=office,
        scheme=scheme,
        data={"name": "本期考核", "start": period.start, "end": period.end},
    )
    found = ranking(period)
    assert found["scheme"] == scheme.name
    assert found["ranking"] == assess_rows(period, "--scheme", scheme.name)
    # Another period: the built-in scheme.
    other = stats.Period(period.start, period.end - timedelta(days=1))
    assert ranking(other)["scheme"] == NAME


def test_no_scheme_for_the_period_gives_none(period):
    ensure_default_scheme()
    Scheme.objects.filter(name=NAME).update(valid_to=timezone.localdate() - timedelta(days=60))
    assert ranking(period) == {"ranking": [], "scheme": None}
