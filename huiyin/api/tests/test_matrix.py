"""Every endpoint per role, the same matrix as the web: for each persona, the web page's
answer (allowed or refused, signed in with a session) is the API's answer (with a token).

The expectations are not written here: they are read from the web, so the API can never
drift from the pages' permissions.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huiyin.cases.models import Case
from huiyin.disputes.tests import factories as df
from huiyin.incidents.tests import factories as itf
from huiyin.incidents.types import ensure_default_types, type_named
from huiyin.org.roles import Role
from huiyin.petitions.tests.factories import petitioner, register, step

ROLES = [*Role.values, "outsider"]


@pytest.fixture
def people(personas, outsider):
    return {**personas, "outsider": outsider}


@pytest.fixture
def matters(personas, community, grid, unit):
    """A petition assigned to the unit, a dispute and an incident in the grid."""
    ensure_default_types()
    clerk = personas[Role.PETITION_CLERK]
    governance = personas[Role.GOVERNANCE_STAFF]
    petition = register(clerk, community=community, grid=grid).case
    step(petition, "accept", clerk)
    step(petition, "assign", clerk, unit=unit)
    dispute = df.register(governance, community=community, grid=grid)
    incident = itf.register(governance, community=community, grid=grid)
    return {"petition": petition, "dispute": dispute, "incident": incident}


def web(user, name: str, *args, method="get", data=None) -> int:
    client = Client()
    client.force_login(user)
    path = reverse(name, args=args)
    return (
        client.post(path, data or {}).status_code
        if method == "post"
        else client.get(path).status_code
    )


def allowed(status: int) -> bool:
    return status in (200, 201, 302)


@pytest.mark.parametrize("role", ROLES)
def test_lists_detail_and_stats_as_on_the_web(role, people, matters, call):
    user = people[role]
    checks = []
    for kind in ("petition", "dispute", "incident"):
        page = web(user, f"{kind}s:list")
        api = call(user, "get", "/api/v1/cases", kind=kind).status_code
        checks.append((f"{kind} list", page, api))
        case = matters[kind]
        page = web(user, f"{kind}s:detail", case.pk)
        api = call(user, "get", f"/api/v1/cases/{quote(case.number)}").status_code
        checks.append((f"{kind} detail", page, api))
        timeline = call(user, "get", f"/api/v1/cases/{quote(case.number)}/timeline").status_code
        clocks = call(user, "get", f"/api/v1/cases/{quote(case.number)}/clocks").status_code
        checks.append((f"{kind} timeline", page, timeline))
        checks.append((f"{kind} clocks", page, clocks))
    checks.append(
        ("stats", web(user, "reports:dashboard"), call(user, "get", "/api/v1/stats").status_code)
    )
    if role == Role.GOVERNANCE_STAFF:  # the matrix is not all refusals
        assert all(allowed(api) for what, _p, api in checks if what.startswith("dispute"))
    if role == Role.PETITION_CLERK:
        assert all(allowed(api) for what, _p, api in checks if what.startswith("petition"))
    wrong = [(what, page, api) for what, page, api in checks if allowed(page) != allowed(api)]
    assert not wrong, f"{role}: web and API differ: {wrong}"
    for what, _page, api in checks:
        assert api in (200, 403, 404), (what, api)


@pytest.mark.parametrize("role", ROLES)
def test_intake_as_on_the_web(role, people, community, grid, call):
    ensure_default_types()
    user = people[role]
    now = timezone.now().replace(microsecond=0)
    bodies = {
        "petition": {
            "title": "噪音扰民",
            "channel": "visit",
            "community": community.pk,
            "grid": grid.pk,
            "petitioners": [petitioner()],
        },
        "dispute": {
            "title": "邻里纠纷",
            "source": "application",
            "received_on": timezone.localdate().isoformat(),
            "community": community.pk,
            "grid": grid.pk,
            "parties": [df.person("张三", "a"), df.person("李四", "b", id_number="", phone="")],
        },
        "incident": {
            "title": "厨房起火",
            "category": type_named("火警").pk,
            "occurred_at": now.isoformat(),
            "learned_at": now.isoformat(),
            "source": "hotline",
            "community": community.pk,
            "grid": grid.pk,
        },
    }
    for kind, body in bodies.items():
        page = web(user, f"{kind}s:new")
        response = call(user, "post", f"/api/v1/{kind}s", body)
        assert allowed(page) == (response.status_code == 201), (kind, page, response.content)


@pytest.mark.parametrize("role", ROLES)
def test_a_transition_as_on_the_web(role, people, personas, community, call):
    """Accepting a petition: allowed exactly to whom the case page allows it."""
    user = people[role]
    clerk = personas[Role.PETITION_CLERK]
    on_web = register(clerk, community=community).case
    on_api = register(clerk, community=community).case
    page = web(
        user,
        "petitions:transition",
        on_web.pk,
        "accept",
        method="post",
        data={"accept-version": on_web.version},
    )
    response = call(
        user,
        "post",
        f"/api/v1/cases/{quote(on_api.number)}/transitions/accept",
        {},
        headers={"If-Match": str(on_api.version)},
    )
    assert allowed(page) == (response.status_code == 200), (page, response.content)
    assert response.status_code in (200, 403, 404)
    changed_web = Case.objects.get(pk=on_web.pk).status
    changed_api = Case.objects.get(pk=on_api.pk).status
    assert changed_web == changed_api


@pytest.mark.parametrize("role", ROLES)
def test_reference_data_for_every_token(role, people, call):
    user = people[role]
    for path in (
        "/api/v1/reference/communities",
        "/api/v1/reference/grids",
        "/api/v1/reference/units",
        "/api/v1/reference/categories",
        "/api/v1/reference/committees",
        "/api/v1/reference/workflows/petition",
    ):
        assert call(user, "get", path).status_code == 200, path


@pytest.mark.parametrize("role", ROLES)
def test_attachments_as_on_the_web(role, people, personas, matters, call, token_of):
    """Listing follows the case page, a download the web's download, an upload the web's
    upload (a petition's; disputes and incidents have no upload page: the kind's working
    permission decides, as attach() does)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huiyin.cases.attachments import attach
    from huiyin.cases.kinds import spec
    from huiyin.cases.services import holds

    pdf = b"%PDF-1.7\n1 0 obj"
    user = people[role]
    clerk = personas[Role.PETITION_CLERK]
    governance = personas[Role.GOVERNANCE_STAFF]
    wrong = []
    for kind, case in matters.items():
        owner = clerk if kind == "petition" else governance
        stored = attach(case, SimpleUploadedFile("材料.pdf", pdf), actor=owner)
        base = f"/api/v1/cases/{quote(case.number)}/attachments"
        page = web(user, f"{kind}s:detail", case.pk)
        listed = call(user, "get", base).status_code
        got = call(user, "get", f"{base}/{stored.pk}").status_code
        if kind == "petition":
            download = web(user, "petitions:attachment", case.pk, stored.pk)
        else:
            download = page
        client = Client()
        response = client.post(
            base,
            {"file": SimpleUploadedFile("新材料.pdf", pdf)},
            HTTP_AUTHORIZATION=f"Bearer {token_of(user)}",
        )
        if kind == "petition":
            upload = web(
                user,
                "petitions:attachment_upload",
                case.pk,
                method="post",
                data={"file": SimpleUploadedFile("网页.pdf", pdf)},
            )
        else:
            visible = Case.objects.visible_to(user).filter(pk=case.pk).exists()
            upload = 302 if visible and holds(user, case, *spec(kind).work_perms) else 403
        for what, expected, api in (
            ("list", page, listed),
            ("download", download, got),
            ("upload", upload, response.status_code),
        ):
            if allowed(expected) != allowed(api):
                wrong.append((kind, what, expected, api))
            assert api in (200, 201, 403, 404), (kind, what, api)
    assert not wrong, f"{role}: web and API differ: {wrong}"


@pytest.mark.parametrize("role", ROLES)
def test_screening_as_on_the_web(role, people, street, grid, call):
    """The board and the API's list; the filing page and the API's filing, for one grid."""
    from datetime import date

    from huiyin.screening import periods, services

    services.ensure_duties(street, active_from=date(2024, 1, 1))
    user = people[role]
    label = periods.current().label
    client = Client()
    client.force_login(user)
    board = client.get(reverse("screening:board")).status_code
    listed = call(user, "get", "/api/v1/screening/reports").status_code
    page = client.get(reverse("screening:file"), {"body": f"g{grid.pk}", "week": label})
    filed = call(
        user,
        "post",
        "/api/v1/screening/reports",
        {"body": f"g{grid.pk}", "period": label, "nil": True},
    ).status_code
    assert allowed(board) == allowed(listed), (board, listed)
    assert allowed(page.status_code) == allowed(filed), (page.status_code, filed)
    assert listed in (200, 403) and filed in (201, 403, 422)
    if role in (Role.GRID_WORKER, Role.GOVERNANCE_STAFF, Role.COMMUNITY_WORKER):
        assert filed == 201
