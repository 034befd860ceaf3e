"""The admin: duties given and ended there; reports only read."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.screening.models import ScreeningDuty
from huiyin.screening.services import file_report
from huiyin.screening.tests.factories import bj, body, week
from huiyin.testing import factories as f

pytestmark = pytest.mark.django_db


def test_an_administrator_gives_a_unit_its_duty(client, personas, street, duties):
    school = f.UnitFactory(street=street, name="广安中学")
    client.force_login(personas[Role.ADMINISTRATOR])
    url = reverse("admin:screening_screeningduty_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"unit": school.pk, "active_from": "2026-06-01", "note": ""})
    assert response.status_code == 302
    duty = ScreeningDuty.objects.get(unit=school)
    assert (duty.street_id, duty.community_id, duty.grid_id) == (street.pk, None, None)


def test_a_duty_names_exactly_one_body(client, personas, community, grid, duties):
    client.force_login(personas[Role.ADMINISTRATOR])
    url = reverse("admin:screening_screeningduty_add")
    unit = f.UnitFactory(street=community.street)
    for data in (
        {},
        {"community": community.pk, "unit": unit.pk},
        {"grid": grid.pk, "unit": unit.pk},
    ):
        response = client.post(url, {**data, "active_from": "2026-06-01"})
        assert response.status_code == 200  # the form again, with the message
    assert not ScreeningDuty.objects.filter(unit=unit).exists()


def test_reports_are_read_only_in_the_admin(client, personas, grid, duties, grid_worker):
    report = file_report(
        grid_worker, body(grid), week("2026-W23"), nil=True, moment=bj("2026-06-08 10:00")
    ).report
    client.force_login(personas[Role.ADMINISTRATOR])
    assert client.get(reverse("admin:screening_screeningreport_changelist")).status_code == 200
    change = client.get(reverse("admin:screening_screeningreport_change", args=[report.pk]))
    assert change.status_code == 200 and b'name="is_nil"' not in change.content
    assert client.get(reverse("admin:screening_screeningduty_changelist")).status_code == 200
    assert date(2024, 1, 1) in set(ScreeningDuty.objects.values_list("active_from", flat=True))
