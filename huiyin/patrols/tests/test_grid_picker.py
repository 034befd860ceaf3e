"""The grid picker under a grid <select>: a map of only the grids the person may choose,
drawn offline; a tap chooses the grid. The device's location is never asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from huiyin.org.roles import Role
from huiyin.patrols.tests.test_journey_phone import PHONE, no_overflow, sign_in
from huiyin.testing import browser as hb
from huiyin.testing import factories as f

JS = Path(__file__).resolve().parents[2] / "static" / "huiyin" / "grid-picker.js"


def square(west: float, south: float, size: float = 0.01) -> dict:
    east, north = west + size, south + size
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def mapped(community, grid, other_community):
    """Two grids of the community with a boundary, one without, and a foreign one."""
    grid.geometry = square(104.00, 30.60)
    grid.save(update_fields=["geometry"])
    second = f.GridFactory(community=community, name="第2网格", geometry=square(104.01, 30.60))
    bare = f.GridFactory(community=community, name="第3网格")
    foreign = f.GridFactory(community=other_community, name="第9网格", geometry=square(104.2, 30.7))
    return {"first": grid, "second": second, "bare": bare, "foreign": foreign}


@pytest.fixture
def phone(chromium):
    """A touch phone at 390×844 (the shared page fixture has no touch screen to tap)."""
    context = chromium.new_context(
        locale=hb.LOCALE,
        timezone_id=hb.TIMEZONE,
        viewport=PHONE,
        has_touch=True,
        is_mobile=True,
    )
    context.set_default_timeout(hb.TIMEOUT_MS)
    page = context.new_page()
    broken = hb.watch_assets(page)
    yield page
    found = list(broken)  # before closing, which cancels whatever is still loading
    context.close()
    if found:
        pytest.fail("assets failed to load or were refused:\n" + "\n".join(found), pytrace=False)


def map_data(html: str, select_id: str = "id_grid") -> dict | None:
    match = re.search(
        rf'<script id="{select_id}-map-data" type="application/json">(.*?)</script>', html
    )
    return json.loads(match.group(1)) if match else None


def drawn(html: str) -> set[int]:
    data = map_data(html)
    return {int(feature["properties"]["name"]) for feature in data["features"]} if data else set()


@pytest.mark.django_db
def test_the_patrol_form_maps_only_the_grids_the_person_may_choose(client, personas, mapped):
    client.force_login(personas[Role.COMMUNITY_WORKER])
    html = client.get(reverse("patrols:new")).content.decode()
    # Both mapped grids of the community; not the one without a boundary, not the foreign one.
    assert drawn(html) == {mapped["first"].pk, mapped["second"].pk}
    assert f'<option value="{mapped["bare"].pk}"' in html  # still chosen from the list
    assert str(mapped["foreign"].pk) not in re.findall(r'<option value="(\d+)"', html)
    assert "grid-picker.js" in html and 'data-select="id_grid"' in html
    assert 'style="' not in html.split("<main", 1)[-1]  # the CSP refuses inline styles

    # A grid worker is offered one grid: only that one is on the map.
    client.force_login(personas[Role.GRID_WORKER])
    assert drawn(client.get(reverse("patrols:new")).content.decode()) == {mapped["first"].pk}


@pytest.mark.django_db
def test_the_place_form_maps_the_grids_and_keeps_the_map_after_an_error(client, personas, mapped):
    client.force_login(personas[Role.COMMUNITY_WORKER])
    html = client.get(reverse("patrols:place_new")).content.decode()
    assert drawn(html) == {mapped["first"].pk, mapped["second"].pk}
    response = client.post(reverse("patrols:place_new"), {"name": ""})
    assert response.status_code in (200, 400)
    assert drawn(response.content.decode()) == {mapped["first"].pk, mapped["second"].pk}


@pytest.mark.django_db
def test_no_boundary_no_map(client, personas, grid):
    client.force_login(personas[Role.GRID_WORKER])
    html = client.get(reverse("patrols:new")).content.decode()
    assert map_data(html) is None
    assert "data-grid-picker" not in html and "echarts" not in html


@pytest.mark.django_db
def test_the_roster_form_keeps_its_plain_select(client, personas, mapped):
    """The map is asked for by the page: other forms with a grid are unchanged."""
    client.force_login(personas[Role.COMMUNITY_WORKER])
    html = client.get(reverse("patrols:roster")).content.decode()
    assert "data-grid-picker" not in html


def test_the_picker_never_asks_for_the_location():
    source = JS.read_text(encoding="utf-8")
    for word in ("geolocation", "getCurrentPosition", "watchPosition", "fetch(", "XMLHttpRequest"):
        assert word not in source
    assert "innerHTML" not in source


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_tap_on_the_map_chooses_the_grid_at_390px(phone, live_url, personas, mapped):
    page = phone
    # Any call to the geolocation API would be counted (there must be none).
    page.add_init_script(
        """window.hyLocated = 0;
           if (navigator.geolocation) {
             for (const name of ['getCurrentPosition', 'watchPosition']) {
               navigator.geolocation[name] = () => { window.hyLocated += 1; };
             }
           }"""
    )
    sign_in(page, live_url, "community1")
    page.goto(live_url("/patrols/new/"))
    picker = page.locator("[data-grid-picker][data-ready='1']")
    picker.wait_for()
    box = page.locator(".hy-grid-picker-map").bounding_box()
    assert box["width"] > 300 and 180 <= box["height"] <= 260
    no_overflow(page, "patrol form with the grid map")
    page.evaluate(
        """() => { window.hyChanged = 0;
             document.getElementById('id_grid')
               .addEventListener('change', () => { window.hyChanged += 1; }); }"""
    )

    def tap(lon: float, lat: float) -> None:
        x, y = page.evaluate(
            """([lon, lat]) => {
                 const node = document.querySelector('.hy-grid-picker-map');
                 return echarts.getInstanceByDom(node).convertToPixel({seriesIndex: 0}, [lon, lat]);
               }""",
            [lon, lat],
        )
        page.locator(".hy-grid-picker-map").tap(position={"x": x, "y": y})

    tap(104.015, 30.605)  # the middle of 第2网格
    assert page.input_value("#id_grid") == str(mapped["second"].pk)
    assert page.evaluate("window.hyChanged") == 1
    tap(104.005, 30.605)  # the middle of 第1网格
    assert page.input_value("#id_grid") == str(mapped["first"].pk)
    assert page.evaluate("window.hyChanged") == 2

    # Choosing in the select highlights the grid on the map.
    page.select_option("#id_grid", str(mapped["second"].pk))
    colour = page.evaluate(
        """() => {
             const c = echarts.getInstanceByDom(document.querySelector('.hy-grid-picker-map'));
             return c.getOption().series[0].data
               .filter(d => d.itemStyle && d.itemStyle.areaColor).map(d => d.name);
           }"""
    )
    assert colour == [str(mapped["second"].pk)]
    hb.screenshot(page, "phone-grid-picker")
    assert page.evaluate("window.hyLocated") == 0  # the device's location was never asked
