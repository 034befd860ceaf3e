"""`huiyin stats`: JSON with the stable keys, a readable table, one line and exit 2 on bad input."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from huiyin.org.roles import Role
from huiyin.petitions.models import Level
from huiyin.petitions.tests.factories import register
from huiyin.reports import stats


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("stats", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("stats", *args, stdout=io.StringIO(), stderr=err)
    assert exc.value.code == 2
    return err.getvalue()


@pytest.fixture
def petitions(personas, community, other_community):
    clerk = personas[Role.PETITION_CLERK]
    today = timezone.localdate()
    register(clerk, community=community, received_at=today - timedelta(days=3))
    register(
        clerk,
        community=community,
        level=Level.NATIONAL,
        received_at=today - timedelta(days=2),
    )
    register(clerk, community=other_community, received_at=today - timedelta(days=2))
    return today


def test_it_prints_the_statistics_as_json_with_the_stable_keys(petitions):
    start, end = petitions - timedelta(days=10), petitions
    out, _err = run("--from", start.isoformat(), "--to", end.isoformat(), "--json")
    data = json.loads(out)
    # Every section: those computed only on request (the assessment's ranking) too.
    every = [section for entry in stats.registered() for section in entry.sections]
    assert data == stats.compute(stats.Period(start, end), include=every)
    assert data["petitions"]["batches"] == 3
    assert data["petitions"]["by_level"]["national"] == {"batches": 1, "headcount": 1}
    assert data["goals"]["zero_national"] is False
    assert data["period"] == {"start": start.isoformat(), "end": end.isoformat()}


def test_it_limits_to_one_community_by_name(petitions, community):
    start = (petitions - timedelta(days=10)).isoformat()
    out, _err = run(
        "--from", start, "--to", petitions.isoformat(), "--community", "柑子园社区", "--json"
    )
    data = json.loads(out)
    assert data["petitions"]["batches"] == 2
    assert data["scope"]["community"] == community.pk


def test_it_prints_a_readable_table(petitions):
    start = (petitions - timedelta(days=10)).isoformat()
    with translation.override("en"):
        out, err = run("--from", start, "--to", petitions.isoformat())
    assert err == ""
    assert start in out
    lines = [line.strip() for line in out.splitlines()]
    assert "Petitions: 3 batches, 3 person-times" in lines
    assert "to Beijing: 1 batches, 1 person-times" in lines
    assert any(line.startswith("Zero petitions to Beijing: broken by") for line in lines)


def test_it_refuses_a_date_that_is_not_one(db):
    message = refused("--from", "2026-13-01", "--to", "2026-12-31")
    assert "2026-13-01" in message
    assert len(message.strip().splitlines()) == 1


def test_it_refuses_a_missing_date(db):
    assert "--to" in refused("--from", "2026-01-01")
    assert "--from" in refused("--to", "2026-01-01")


def test_it_refuses_a_period_that_ends_before_it_starts(db):
    message = refused("--from", "2026-02-01", "--to", "2026-01-01")
    assert len(message.strip().splitlines()) == 1


def test_it_refuses_an_unknown_community_naming_the_known_ones(db, community):
    message = refused("--from", "2026-01-01", "--to", "2026-01-31", "--community", "不存在社区")
    assert "不存在社区" in message
    assert "柑子园社区" in message
    assert len(message.strip().splitlines()) == 1
