"""The crawl that keeps the security probes: every page, every role, a case in and out of scope.

`routes()` lists every URL pattern of the root URLconf (through every include), so a page is
crawled the day it lands. A pattern with path parameters needs an entry in `FILLERS` (its
route name -> how to fill it for a case in and out of the person's scope); a pattern without
one makes `plan()` raise `UnknownRoute`, which the tests turn into a failure naming it.

`world()` loads the demo street once (the real services) and the demo's second street (its own
places, staff and matters: `huiyin demo --streets 2`), adds what the demo lacks (attachments,
report jobs) and works out, for each role, a petition inside its scope, one outside it and
every case number and title it must never read (from `Case.objects.visible_to`, the one door):
the other street's matters among them, for every role of the demo street.

`forms_in()` reads the <form>s of a page (and the query strings of its links), `baseline()`
fills them with plausible valid values, and `HOSTILE` holds the values the hostile-input tests
send into every field.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from huiyin.cases.attachments import attach
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Attachment, Case, Notification
from huiyin.cases.workflow import workflow_for
from huiyin.disputes.models import Dispute
from huiyin.front.navigation import SECTIONS_BY_KEY
from huiyin.org import demo
from huiyin.org.management.commands.demo import demo_loaders
from huiyin.org.models import Staff
from huiyin.org.roles import Role
from huiyin.patrols.testing import world as patrol_rows
from huiyin.petitions.models import KeyCase, Petitioner
from huiyin.privacy.validators import resident_id_check_digit
from huiyin.reports import jobs
from huiyin.reports.models import Campaign, Pledge
from huiyin.testing.factories import PASSWORD

ANONYMOUS = "anonymous"
OUTSIDER = "outsider"  # signed in, no role at all

#: The demo account that plays each role (its scope is the demo street's: see org/demo.py).
ROLE_USERS: dict[str, str] = {
    str(role): name
    for role, name in [
        (Role.PETITION_CLERK, "clerk"),
        (Role.GOVERNANCE_STAFF, "governance"),
        (Role.COMMUNITY_WORKER, "community1"),
        (Role.GRID_WORKER, "grid1"),
        (Role.MEDIATOR, "mediator"),
        (Role.DEPARTMENT_HANDLER, "handler"),
        (Role.LEADER, "leader"),
        (Role.AUDITOR, "auditor"),
        (Role.ADMINISTRATOR, "admin"),
        (Role.DISTRICT, "district"),
    ]
}

#: Every status a crawled page may answer; anything else (500 first) is an offence.
ALLOWED_STATUS = frozenset({200, 302, 400, 403, 404, 405})

#: Patterns the crawl leaves out, and why (the admin index itself is crawled).
SKIPPED_WHY = {
    "admin:*": (
        "Django's own admin internals (changelists, change forms, password views, "
        "autocomplete): Django's code behind is_staff, opened only to the administrator; "
        "the admin index is crawled"
    ),
    "static": "not routed by the URLconf: WhiteNoise serves the vendored assets",
    "set_language": "no i18n URLconf is installed (the language is fixed per deployment)",
    "api": (
        "the REST API takes tokens, never a session: every endpoint per role is checked "
        "against the web's answers by huiyin/api/tests/test_matrix.py"
    ),
}


class UnknownRoute(Exception):
    """A URL pattern with path parameters that FILLERS cannot fill."""


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    kwargs: tuple[tuple[str, str], ...]  # (kwarg, converter class)
    view: str


def routes() -> tuple[list[Route], list[tuple[str, str]]]:
    """(crawled, skipped): every pattern of the root URLconf; skipped as (pattern, reason)."""
    found: list[Route] = []
    skipped: list[tuple[str, str]] = []

    def walk(resolver, prefix: str, namespace: str | None, converters: dict) -> None:
        for entry in resolver.url_patterns:
            pattern = prefix + str(entry.pattern)
            convs = {**converters, **getattr(entry.pattern, "converters", {})}
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry, pattern, full, convs)
                continue
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or pattern)
            if pattern.startswith("/api/v1/"):
                skipped.append((pattern, SKIPPED_WHY["api"]))
                continue
            if namespace == "admin" and entry.name != "index":
                skipped.append((pattern, SKIPPED_WHY["admin:*"]))
                continue
            if entry.name in ("set_language",) or pattern.startswith("static/"):
                skipped.append((pattern, SKIPPED_WHY.get(entry.name, SKIPPED_WHY["static"])))
                continue
            kwargs = tuple((k, type(c).__name__) for k, c in convs.items())
            found.append(Route(name, pattern, kwargs, entry.lookup_str))

    walk(get_resolver(), "/", None, {})
    return found, skipped


# --------------------------------------------------------------------------- the world


@dataclass
class Person:
    label: str  # the role, "anonymous" or "outsider"
    user: User | None
    visible: frozenset[int]  # ids of the cases the person may see
    in_case: int | None  # a petition inside the scope (None: the role sees none)
    out_case: int | None  # a petition outside it (None: the role sees every one)
    samples: list[int] = field(default_factory=list)  # in scope: one petition per status
    job_id: str | None = None
    forbidden: re.Pattern | None = None  # numbers and titles of the cases outside the scope


@dataclass
class World:
    people: dict[str, Person]
    leader_staff: int
    campaign: int
    pledge: int
    notifications: dict[int, int] = field(default_factory=dict)  # user id -> one of theirs
    other_job: dict[int, str] = field(default_factory=dict)  # user id -> someone else's job


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _markers(cases: Iterable[tuple[str, str]], seen_titles: set[str]) -> re.Pattern | None:
    texts: set[str] = set()
    for number, title in cases:
        texts.add(number)
        # A title shared with a case in scope, or part of one ("再次" + an earlier title, a
        # repeat petition), or too short to mean anything, proves nothing.
        if len(title) >= 6 and not any(title in seen for seen in seen_titles):
            texts.add(title)
    if not texts:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True)))


def _attach_pdf(case_id: int, clerk: User) -> None:
    case = Case.objects.select_related("street").get(pk=case_id)
    if case.street.name != demo.STREET:  # the other street's clerk attaches to its matters
        clerk = User.objects.get(username="clerk" + demo.SECOND.suffix)
    if not Attachment.objects.filter(case=case, withdrawn=False).exists():
        attach(case, SimpleUploadedFile("核查材料.pdf", PDF, "application/pdf"), actor=clerk)


def world(password: str = PASSWORD) -> World:
    """Load the demo street and work out every person's scope (call inside a transaction)."""
    # What `huiyin demo` loads, without its migrate (the test database is built already).
    out = io.StringIO()
    demo.load_organisation()
    demo.load_accounts(password)
    for load in demo_loaders():
        load(out)
    second, _accounts = demo.load_second_street(password)
    demo.load_second_street_matters(second)
    call_command("tick", stdout=out)
    users = {role: User.objects.get(username=name) for role, name in ROLE_USERS.items()}
    _disputes(users[str(Role.GOVERNANCE_STAFF)])
    _incidents(users[str(Role.GOVERNANCE_STAFF)])
    patrol_rows(users[str(Role.GOVERNANCE_STAFF)])
    users[OUTSIDER] = User.objects.create_user("crawl-outsider", password=password)
    petitions = list(
        Case.objects.filter(kind=Kind.PETITION, withdrawn=False).values_list(
            "pk", "number", "title"
        )
    )
    every = list(Case.objects.values_list("pk", "number", "title"))
    with_keycase = set(KeyCase.objects.values_list("case_id", flat=True))
    with_petitioner = set(Petitioner.objects.values_list("petition_id", flat=True))
    status_of = dict(Case.objects.filter(kind=Kind.PETITION).values_list("pk", "status"))

    def pick(ids: set[int]) -> int | None:
        # Prefer a petition with a key case (so its pages are crawled too) and petitioners.
        ranked = sorted(ids, key=lambda pk: (pk not in with_keycase, pk not in with_petitioner, pk))
        return ranked[0] if ranked else None

    turned = dict(
        Dispute.objects.filter(petition_case__isnull=False).values_list(
            "case_id", "petition_case_id"
        )
    )
    people: dict[str, Person] = {}
    petition_ids = {pk for pk, _, _ in petitions}
    for label, user in [*users.items(), (ANONYMOUS, None)]:
        visible = frozenset(Case.objects.visible_to(user).values_list("pk", flat=True))
        inside, outside = petition_ids & visible, petition_ids - visible
        # A petition turned into a mediation (条例 art. 33) names the dispute's number in its
        # own timeline, by design: the link both ways. That number is not foreign to somebody
        # who sees the petition, though the dispute itself stays out of their sight.
        hidden = [
            (n, t) for pk, n, t in every if pk not in visible and turned.get(pk) not in visible
        ]
        if user is not None and user.is_superuser:
            # The administrator reads every matter read-only (identities masked) in the admin,
            # and the audit trail names them: by design, none is foreign to that account.
            hidden = []
        seen = {t for pk, _, t in every if pk in visible}
        by_status: dict[str, int] = {}
        for pk in sorted(inside):
            by_status.setdefault(status_of[pk], pk)
        people[label] = Person(
            label,
            user,
            visible,
            pick(inside),
            pick(outside),
            samples=sorted(set(by_status.values()) - {pick(inside)}),
            forbidden=_markers(hidden, seen),
        )

    clerk = users[str(Role.PETITION_CLERK)]
    for person in people.values():
        for case_id in (person.in_case, person.out_case):
            if case_id is not None:
                _attach_pdf(case_id, clerk)

    w = World(
        people=people,
        leader_staff=Staff.objects.get(user=users[str(Role.LEADER)]).pk,
        campaign=Campaign.objects.order_by("pk").first().pk,
        pledge=Pledge.objects.order_by("pk").first().pk,
    )
    signed_in = [p for p in people.values() if p.user is not None]
    for person in signed_in:
        person.job_id = jobs.prepare(person.user, "word", "crawl").id
        mine = Notification.objects.for_user(person.user).order_by("pk").first()
        if mine is None and person.in_case is not None:
            mine = Notification.objects.create(
                recipient=person.user,
                case_id=person.in_case,
                kind=Notification.Kind.DUE_SOON,
                message="crawl",
            )
        if mine is not None:
            w.notifications[person.user.pk] = mine.pk
    for index, person in enumerate(signed_in):
        other = signed_in[(index + 1) % len(signed_in)]
        w.other_job[person.user.pk] = other.job_id
    return w


def _disputes(registrar: User) -> None:
    """Two disputes, in and out of the grid worker's grid, while the demo registers none."""
    from huiyin.disputes.services import register_dispute
    from huiyin.org.models import Grid

    if Case.objects.filter(kind=Kind.DISPUTE, street__name=demo.STREET).exists():
        return
    grids = list(
        Grid.objects.filter(community__street__name=demo.STREET)
        .select_related("community")
        .order_by("community__order", "order")
    )
    other = next((g for g in grids if g.community_id != grids[0].community_id), grids[-1])
    for index, grid in enumerate((grids[0], other)):
        register_dispute(
            registrar,
            title=f"楼上漏水致楼下墙面受损（抽查{index + 1}）",
            community=grid.community,
            grid=grid,
            source="application",
            received_on=timezone.localdate(),
            parties=[
                {"side": "a", "name": "甲某", "address": "一号楼"},
                {"side": "b", "name": "乙某", "address": "二号楼"},
            ],
        )


def _incidents(registrar: User) -> None:
    """An incident (an unnatural death, with its next of kin) and a risk note in the grid
    worker's grid, and the same outside it, while the demo records none."""
    from huiyin.incidents import risk, services
    from huiyin.incidents.types import type_named
    from huiyin.org.models import Grid

    if Case.objects.filter(kind=Kind.INCIDENT, street__name=demo.STREET).exists():
        return
    grids = list(
        Grid.objects.filter(community__street__name=demo.STREET)
        .select_related("community")
        .order_by("community__order", "order")
    )
    other = next((g for g in grids if g.community_id != grids[0].community_id), grids[-1])
    now = timezone.now()
    for index, grid in enumerate((grids[0], other)):
        case = services.register_incident(
            registrar,
            title=f"出租屋内发现一名男子死亡（抽查{index + 1}）",
            category=type_named("非正常死亡"),
            occurred_at=now - timedelta(hours=3),
            learned_at=now - timedelta(hours=2),
            source="police",
            community=grid.community,
            grid=grid,
        )
        services.step(case, "record_kin", registrar, kin_name="王某某", kin_phone="13812345678")
        risk.create_risk_note(
            registrar,
            subject_kind="project",
            subject=f"某工地工程款拖欠（抽查{index + 1}）",
            risk_type="wages",
            description="工人反映工资未按时发放",
            level="elevated",
            community=grid.community,
            grid=grid,
            action="labour_inspection",
            task_title="劳动保障监察核实",
            owner=Staff.objects.get(user=registrar).pk,
            due_at=now + timedelta(days=3),
        )


# --------------------------------------------------------------------------- filling paths

#: Fill = (world, person, scope) -> the kwargs to try ([] when there is nothing to try);
#: scope is "in" (a case the person may see) or "out" (one they may not).
Fill = Callable[[World, Person, str], list[dict]]


def _case(w: World, p: Person, scope: str) -> int | None:
    return p.in_case if scope == "in" else p.out_case


def _by_case(extra: Callable[[int], dict | None] | None = None, *, samples=False) -> Fill:
    """The case in or out of scope; with `samples`, also one in scope per petition status."""

    def fill(w: World, p: Person, scope: str) -> list[dict]:
        pk = _case(w, p, scope)
        if pk is None:
            return []
        more = extra(pk) if extra else {}
        if more is None:
            return []
        also = p.samples if samples and scope == "in" else []
        return [{"pk": pk, **more}] + [{"pk": other} for other in also]

    return fill


def _petitioner(pk: int) -> dict | None:
    found = Petitioner.objects.filter(petition_id=pk).order_by("pk").first()
    return {"petitioner_id": found.pk} if found else None


def _attachment(pk: int) -> dict | None:
    found = Attachment.objects.filter(case_id=pk, withdrawn=False).order_by("pk").first()
    return {"attachment_id": found.pk} if found else None


def _transition(pk: int) -> dict:
    return {"name": next(iter(workflow_for(Kind.PETITION).by_name))}


def _dispute(extra: Callable[[int], dict | None] | None = None) -> Fill:
    """A dispute the person may see ("in") or may not ("out"), by the one door."""

    def fill(w: World, p: Person, scope: str) -> list[dict]:
        ids = set(Case.objects.filter(kind=Kind.DISPUTE).values_list("pk", flat=True))
        pool = ids & p.visible if scope == "in" else ids - p.visible
        if not pool:
            return []
        pk = min(pool)
        more = extra(pk) if extra else {}
        return [] if more is None else [{"pk": pk, **more}]

    return fill


def _party(pk: int) -> dict | None:
    from huiyin.disputes.models import Party

    found = Party.objects.filter(dispute_id=pk).order_by("pk").first()
    return {"party_id": found.pk} if found else None


def _incident(extra: Callable[[int], dict | None] | None = None) -> Fill:
    """An incident the person may see ("in") or may not ("out"), by the one door."""

    def fill(w: World, p: Person, scope: str) -> list[dict]:
        ids = set(Case.objects.filter(kind=Kind.INCIDENT).values_list("pk", flat=True))
        pool = ids & p.visible if scope == "in" else ids - p.visible
        if not pool:
            return []
        pk = min(pool)
        more = extra(pk) if extra else {}
        return [] if more is None else [{"pk": pk, **more}]

    return fill


def _risk_note(w: World, p: Person, scope: str) -> list[dict]:
    """A risk note the person may see ("in") or may not ("out")."""
    from huiyin.incidents.models import RiskNote

    ids = set(RiskNote.objects.values_list("pk", flat=True))
    seen = (
        set(RiskNote.objects.visible_to(p.user).values_list("pk", flat=True)) if p.user else set()
    )
    pool = ids & seen if scope == "in" else ids - seen
    return [{"pk": min(pool)}] if pool else []


def _key_case(w: World, p: Person, scope: str) -> list[dict]:
    pk = _case(w, p, scope)
    found = KeyCase.objects.filter(case_id=pk).first() if pk else None
    return [{"pk": found.pk}] if found else []


def _neutral(make: Callable[[World], dict]) -> Fill:
    """Objects with no case scope: tried once, as "in"."""
    return lambda w, p, scope: [make(w)] if scope == "in" else []


def _notification(w: World, p: Person, scope: str) -> list[dict]:
    if p.user is None:
        mine, others = None, list(w.notifications.values())
    else:
        mine = w.notifications.get(p.user.pk)
        others = [n for uid, n in w.notifications.items() if uid != p.user.pk]
    if scope == "in":
        return [{"pk": mine}] if mine else []
    return [{"pk": others[0]}] if others else []


def _job(w: World, p: Person, scope: str) -> list[dict]:
    if p.user is None:
        return [{"job_id": next(iter(w.other_job.values()))}] if scope == "out" else []
    job = p.job_id if scope == "in" else w.other_job[p.user.pk]
    return [{"job_id": job}]


#: How to fill the path parameters of each route. A new route with parameters needs a line here.
FILLERS: dict[str, Fill] = {
    "section": _neutral(lambda w: {"key": "__each__"}),
    "cases:notification_open": _notification,
    "petitions:receipt": _by_case(),
    "petitions:detail": _by_case(samples=True),
    "petitions:transition": _by_case(_transition),
    "petitions:case_note": _by_case(),
    "petitions:case_follow_up": _by_case(),
    "petitions:case_withdraw": _by_case(),
    "petitions:identity": _by_case(_petitioner),
    "petitions:attachment_upload": _by_case(),
    "petitions:attachment": _by_case(_attachment),
    "petitions:attachment_withdraw": _by_case(_attachment),
    # The 登记表 fits every stage: the document view's door and audit are crawled for each case.
    "petitions:document": _by_case(lambda pk: {"slug": "registration"}),
    "petitions:recusal": _by_case(),
    "disputes:detail": _dispute(),
    "disputes:transition": _dispute(lambda pk: {"name": "consent"}),
    "disputes:case_note": _dispute(),
    "disputes:add_party": _dispute(),
    "disputes:identity": _dispute(_party),
    # The 人民调解申请书 fits every stage, once the disputes' documents are registered.
    "disputes:document": _dispute(lambda pk: {"slug": "mediation-application"}),
    "incidents:detail": _incident(),
    "incidents:transition": _incident(lambda pk: {"name": "update_situation"}),
    "incidents:case_note": _incident(),
    "incidents:kin": _incident(),
    "incidents:document": _incident(lambda pk: {"slug": "first-report"}),
    "incidents:risk_detail": _risk_note,
    "incidents:risk_task": _risk_note,
    "incidents:risk_finish": _risk_note,
    "incidents:risk_close": _risk_note,
    "incidents:risk_link": _risk_note,
    "petitions:keycase": _key_case,
    "petitions:keycase_progress": _key_case,
    "petitions:keycase_close": _key_case,
    "petitions:keycase_new": _by_case(),
    "petitions:reception_leader": _neutral(lambda w: {"staff_id": w.leader_staff}),
    "reports:campaign": _neutral(lambda w: {"pk": w.campaign}),
    "reports:campaign_edit": _neutral(lambda w: {"pk": w.campaign}),
    "reports:pledge_new": _neutral(lambda w: {"pk": w.campaign}),
    "reports:pledge_download": _neutral(lambda w: {"pk": w.pledge}),
    "reports:pledge_withdraw": _neutral(lambda w: {"pk": w.pledge}),
    "reports:job": _job,
    "reports:job_download": _job,
}


def _app_fillers() -> dict[str, Fill]:
    """Each Huiyin app may keep its pages' fillers in `<app>.testing.FILLERS` (patrols,
    assessment, the API tokens page ...): found here, so a new app adds no line to this file."""
    found: dict[str, Fill] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("huiyin."):
            continue
        name = f"{config.name}.testing"
        if importlib.util.find_spec(name) is None:
            continue
        fillers = getattr(importlib.import_module(name), "FILLERS", None)
        if fillers:
            clash = set(fillers) & (set(FILLERS) | set(found))
            assert not clash, f"{name} fills routes already filled: {sorted(clash)}"
            found.update(fillers)
    return found


FILLERS.update(_app_fillers())


@dataclass(frozen=True)
class Target:
    person: str
    route: str
    url: str
    scope: str  # "in", "out" or "-" (no case in the path)


def plan(w: World, crawled: list[Route]) -> list[Target]:
    """Every (person, url) to visit. Raises UnknownRoute for patterns FILLERS cannot fill."""
    unknown = [r for r in crawled if r.kwargs and r.name not in FILLERS]
    if unknown:
        raise UnknownRoute(
            "these URL patterns have path parameters the crawl cannot fill; add each to FILLERS "
            "in huiyin/testing/crawl.py (a real object in and out of the person's scope): "
            + "; ".join(f"{r.name} {r.pattern} {dict(r.kwargs)}" for r in unknown)
        )
    targets: list[Target] = []
    for person in w.people.values():
        for route in crawled:
            if not route.kwargs:
                targets.append(Target(person.label, route.name, reverse(route.name), "-"))
                continue
            for scope in ("in", "out"):
                for kwargs in FILLERS[route.name](w, person, scope):
                    if kwargs.get("key") == "__each__":
                        for key in SECTIONS_BY_KEY:
                            url = reverse(route.name, kwargs={"key": key})
                            targets.append(Target(person.label, route.name, url, "-"))
                        continue
                    missing = {k for k, _ in route.kwargs} - set(kwargs)
                    if missing:
                        raise UnknownRoute(
                            f"FILLERS[{route.name!r}] gave no {sorted(missing)}: fill them in "
                            "huiyin/testing/crawl.py"
                        )
                    url = reverse(route.name, kwargs=kwargs)
                    targets.append(Target(person.label, route.name, url, scope))
    return targets


# --------------------------------------------------------------------------- visiting


@dataclass
class Visit:
    person: str
    method: str
    url: str
    status: int
    body: str
    content_type: str
    location: str = ""
    error: str = ""  # the exception behind a 500


def client_for(person: Person) -> Client:
    client = Client(raise_request_exception=False)
    if person.user is not None:
        client.force_login(person.user)
    return client


def body_text(response) -> str:
    """The response's text; a zip (xlsx, docx) is opened and its XML read."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                raw = b"".join(
                    archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels"))
                )
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", "replace")


def visit(client: Client, person: str, method: str, url: str, data=None, **extra) -> Visit:
    """One request in a savepoint that is always rolled back: nothing it does stays, and a
    database error (a 500) cannot spoil the transaction the next request runs in."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data, **extra)
        else:
            response = client.post(url, data or {}, **extra)
        result = Visit(
            person,
            method,
            url,
            response.status_code,
            body_text(response),
            response.get("Content-Type", ""),
            response.get("Location", ""),
        )
        exc = getattr(response, "exc_info", None)
        if exc:
            result.error = f"{exc[0].__name__}: {str(exc[1])[:120]}"
        # After a POST that succeeded, read the page it leads to, still before the rollback.
        if method == "POST" and result.status == 302 and result.location.startswith("/"):
            follow = client.get(result.location)
            result.body += "\n" + body_text(follow)
            if follow.status_code >= 500:
                result.status = follow.status_code
                exc = getattr(follow, "exc_info", None)
                result.error = "after redirect: " + (
                    f"{exc[0].__name__}: {str(exc[1])[:120]}" if exc else ""
                )
        transaction.set_rollback(True)
    return result


def run(w: World, targets: list[Target]) -> list[tuple[Target, Visit, Visit | None]]:
    """GET every target; for a case outside the scope whose GET is 405 (a POST-only action),
    POST to it empty as well: (target, the GET, the POST or None)."""
    clients = {label: client_for(p) for label, p in w.people.items()}
    out = []
    for target in targets:
        client = clients[target.person]
        seen = visit(client, target.person, "GET", target.url)
        post = None
        if target.scope == "out" and seen.status == 405:
            post = visit(client, target.person, "POST", target.url)
        out.append((target, seen, post))
    return out


# --------------------------------------------------------------------------- forms


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str
    options: list[str] = field(default_factory=list)
    checked: bool = False
    required: bool = False


@dataclass
class Form:
    method: str
    action: str  # path, without query string
    fields: list[FormField]
    source: str  # the page it was found on
    multipart: bool = False
    from_link: bool = False  # the query string of a link, not a <form>

    @property
    def signature(self) -> tuple:
        return (self.method, _generic(self.action), tuple(sorted({f.name for f in self.fields})))


def _generic(path: str) -> str:
    return re.sub(r"/\d+/", "/N/", path)


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and "?" in a.get("href", ""):
            self.links.append(a["href"])
        elif tag == "form":
            method = a.get("method", "get").upper()
            action = urljoin(self.page, a.get("action", "") or self.page)
            self._form = Form(
                method,
                action,
                [],
                self.page,
                "multipart" in a.get("enctype", ""),
            )
            # The action's own query string is part of what the form sends on GET.
            if method == "GET":
                for k, v in parse_qsl(urlsplit(action).query, keep_blank_values=True):
                    self._form.fields.append(FormField(k, "hidden", v))
            self._form.action = urlsplit(action).path
        elif self._form is None or "__prefix__" in a.get("name", ""):
            return  # outside a form, or a formset's empty template (never sent)
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form.fields.append(
                FormField(
                    a["name"],
                    kind,
                    a.get("value", ""),
                    checked="checked" in a,
                    required="required" in a,
                )
            )
        elif tag == "select" and a.get("name") and "__prefix__" not in a["name"]:
            self._select = FormField(a["name"], "select", "", required="required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
        elif tag == "textarea" and a.get("name") and "__prefix__" not in a["name"]:
            self._textarea = FormField(a["name"], "textarea", "", required="required" in a)
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            # Browsers drop the newline that opens a textarea (Django writes one).
            if not self._textarea.value and data.startswith("\n"):
                data = data[1:]
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(page_url: str, html: str) -> list[Form]:
    """The page's forms, plus one GET "form" per link with a query string to a page of ours."""
    parser = _FormParser(page_url)
    parser.feed(html)
    found = list(parser.forms)
    for href in parser.links:
        target = urlsplit(urljoin(page_url, href))
        if target.netloc or not target.path.startswith("/"):
            continue
        fields = [
            FormField(k, "hidden", v) for k, v in parse_qsl(target.query, keep_blank_values=True)
        ]
        if fields:
            found.append(Form("GET", target.path, fields, page_url, from_link=True))
    return found


TODAY = timezone.localdate


#: Left empty in a baseline: references that must match another record, or another field.
LEAVE_EMPTY = re.compile(r"(^|-)(repeat_of|grid|reception_slot|owner|handler|assigned_doc_no)$")


def _plausible(f: FormField) -> str:
    """A valid-looking value for an empty field, so one hostile field reaches the save path."""
    name = f.name.lower()
    if f.value or f.kind in ("hidden", "checkbox", "radio", "file"):
        return f.value
    if LEAVE_EMPTY.search(name) and not f.required:
        return ""
    if f.kind == "select":
        return next((o for o in f.options if o), "")
    today = TODAY()
    if f.kind == "date" or name.endswith(("_on", "date", "_at", "from", "to", "start", "end")):
        return today.isoformat()
    if f.kind == "datetime-local":
        return today.isoformat() + "T09:00"
    if f.kind == "month" or name == "month":
        return today.strftime("%Y-%m")
    if f.kind == "number" or name.endswith(("headcount", "year", "months", "count")):
        return "1"
    if "phone" in name or f.kind == "tel":
        return "13812345678"
    if "id_number" in name:
        return "11010519900307123" + resident_id_check_digit("11010519900307123")
    if f.kind == "password":
        return "not-the-password-1"
    return "核查" if f.kind in ("text", "textarea", "search") else f.value


def baseline(form: Form) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for f in form.fields:
        if f.kind in ("checkbox", "radio") and not f.checked:
            if f.kind == "radio" and f.name not in data:
                data[f.name] = [f.value]
            continue
        if f.kind == "file":
            continue
        if f.kind == "radio":
            data[f.name] = [f.value]
            continue
        data.setdefault(f.name, []).append(_plausible(f))
    return data


#: Hostile values, by what they attack. The 1 MB text is sent once per form, on its own.
DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00", "2026-02-30"]
NUMBERS = ["99999999999999999999999", "-1", "1e308"]
NUL = ["a\x00b"]
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
TEMPLATES = ["{{7*7}}", "{0.__class__}", "%s%n"]
HOSTILE = DATES + NUMBERS + NUL + MARKUP + TEMPLATES
HUGE = "x" * 1_000_000


def hostile_group(f: FormField) -> list[str]:
    """The hostile values that suit the field: dates for a date, numbers for a number or an id."""
    name = f.name.lower()
    if f.kind in ("date", "datetime-local", "month") or re.search(
        r"(date|_on$|_at$|from|^to$|_to$|period|month|start|end|year)", name
    ):
        return DATES + NUMBERS[:1]
    if (
        f.kind == "number"
        or re.search(r"(count|number|page|pk|_id$|version|size)", name)
        or (f.kind in ("select", "checkbox", "radio") and f.value.isdigit())
        or (f.kind == "select" and any(o.isdigit() for o in f.options))
    ):
        return NUMBERS + NUL
    return MARKUP + NUL + TEMPLATES


def hostile_requests(form: Form) -> list[tuple[str, str, dict]]:
    """(field, value, data): one hostile value per field, from the values that suit it, cycled
    (by field and form), the others at their baseline; then every value not yet sent, once;
    then the 1 MB text in every text field at once."""
    offset = zlib.crc32(" ".join(map(str, form.signature)).encode())
    base = baseline(form)
    names = []
    for f in form.fields:
        if (
            f.kind not in ("file", "submit")
            and f.name not in names
            and f.name != "csrfmiddlewaretoken"
        ):
            names.append(f.name)
    by_name = {f.name: f for f in form.fields}
    out: list[tuple[str, str, dict]] = []
    if not names:
        return out
    used: set[str] = set()
    for index, name in enumerate(names):
        group = hostile_group(by_name[name])
        value = group[(index + offset) % len(group)]
        used.add(value)
        out.append((name, value, {**base, name: [value]}))
    for index, value in enumerate(v for v in HOSTILE if v not in used):
        name = names[(index + offset) % len(names)]
        out.append((name, value, {**base, name: [value]}))
    text = [n for n in names if by_name[n].kind in ("text", "textarea", "search", "")]
    if text:
        out.append(("|".join(text), "<1 MB>", {**base, **{n: [HUGE] for n in text}}))
    return out


def short(value: str, limit: int = 30) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 8] + f"…({len(value)})"


def urlquery(path: str, data: dict[str, list[str]]) -> str:
    return path + "?" + urlencode([(k, v) for k, vs in data.items() for v in vs])
