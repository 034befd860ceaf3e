"""The campaign form: every community and unit a labelled checkbox, required fields marked."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.reports.models import Campaign
from huiyin.testing import factories as f

LONG = "区城市管理综合行政执法局驻街道执法中队（含市容环境卫生与园林绿化管理站）"


@pytest.fixture
def units(street, unit):
    return [unit, f.UnitFactory(street=street, name=LONG)]


def _checkbox(html: str, name: str, pk: int) -> re.Match | None:
    return re.search(
        rf'<div class="form-check">\s*<input type="checkbox" name="{name}" value="{pk}"'
        rf'[^>]*class="form-check-input"[^>]*id="(?P<id>[^"]+)"[^>]*>\s*'
        rf'<label class="form-check-label text-break" for="(?P=id)">',
        html,
    )


def _label_of(html: str, name: str) -> str:
    return re.search(rf'<label class="form-label" for="id_{name}">(.*?)</label>', html, re.S)[1]


def test_it_lists_every_community_and_unit_as_a_labelled_form_check(
    client, personas, community, other_community, units
):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    html = client.get(reverse("reports:campaign_new")).content.decode()
    for pk in (community.pk, other_community.pk):
        assert _checkbox(html, "communities", pk), pk
    for unit in units:
        assert _checkbox(html, "units", unit.pk), unit.name
    assert LONG in html  # whole, never cut
    assert '<fieldset id="campaign-units">' in html
    assert "hy-check-box" in html


def test_it_marks_required_fields_for_eyes_and_screen_readers(client, personas, db):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    html = client.get(reverse("reports:campaign_new")).content.decode()
    star = (
        '<span class="text-danger ms-1" aria-hidden="true">*</span><span class="visually-hidden">'
    )
    for name in ("name", "start", "end"):
        assert star in _label_of(html, name), name
        assert re.search(rf'<input[^>]*name="{name}"[^>]*\brequired\b', html), name
    for name in ("theme", "goals"):
        assert star not in _label_of(html, name), name
        assert not re.search(rf'<(input|textarea)[^>]*name="{name}"[^>]*\brequired\b', html)


def test_the_edit_form_ticks_the_communities_and_units_taking_part(
    client, personas, community, other_community, units
):
    campaign = Campaign.objects.create(name="百日", start=date(2026, 3, 1), end=date(2026, 6, 8))
    campaign.communities.set([community])
    campaign.units.set([units[1]])
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    html = client.get(reverse("reports:campaign_edit", args=[campaign.pk])).content.decode()

    def ticked(name, pk):
        tag = re.search(rf'<input type="checkbox" name="{name}" value="{pk}"[^>]*>', html)[0]
        return " checked" in tag

    assert ticked("communities", community.pk) and not ticked("communities", other_community.pk)
    assert ticked("units", units[1].pk) and not ticked("units", units[0].pk)
