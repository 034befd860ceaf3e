"""Screening tests' helpers: moments in Beijing time, bodies, disputes made through the core."""

from __future__ import annotations

from datetime import date, datetime

from huiyin.cases.kinds import Kind
from huiyin.cases.tests.factories import make_case
from huiyin.screening import periods
from huiyin.screening.bodies import Body, body_of
from huiyin.screening.models import ScreeningDuty
from huiyin.testing.clock import BEIJING


def bj(text: str) -> datetime:
    """A Beijing moment: bj("2026-06-08 12:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def week(label: str) -> periods.Period:
    """The ISO week "2026-W23" (built directly: tests may name weeks outside the years the
    forms accept at the moment the suite runs)."""
    year, number = label.split("-W")
    return periods.containing(date.fromisocalendar(int(year), int(number), 1), periods.WEEK)


def body(obj) -> Body:
    """The body of a community, grid or unit (its open duty)."""
    name = type(obj).__name__.lower()
    lookup = {"grid": {"grid": obj}, "unit": {"unit": obj}}.get(
        name, {"community": obj, "grid__isnull": True, "unit__isnull": True}
    )
    duty = ScreeningDuty.objects.select_related("community", "grid__community", "unit").get(
        active_to__isnull=True, **lookup
    )
    return body_of(duty)


def dispute(*, community, grid=None, title="邻里噪音纠纷", **fields):
    """An open dispute case made directly through the case core (the kind's services may not
    exist yet)."""
    return make_case(
        kind=Kind.DISPUTE,
        street=community.street,
        community=community,
        grid=grid,
        title=title,
        **fields,
    )
