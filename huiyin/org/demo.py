"""The demo street: 浓洄街道 with its communities, grids, units and one account per role.

Place and unit names come from the source speech; every person is made up. `huiyin demo
--streets 2` adds a second, made-up street (溪桥街道, :data:`SECOND`) of the same district with
its own places, accounts (``clerk-b`` …) and a few matters, and a district officer
(``district``) given both; 浓洄街道 stays the default street of every other account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from faker import Faker

from huiyin.org.models import Community, Grid, ResidentsGroup, RoleGrant, Staff, Street, Unit
from huiyin.org.roles import Role

STREET = "浓洄街道"
COMMUNITIES = [
    # name, number of grids
    ("柑子园社区", 5),
    ("翠屏路社区", 4),
    ("果丰社区", 4),
    ("金鱼池社区", 3),
    ("北辰社区", 6),
]
OFFICE_DEPARTMENTS = [
    "党政办",
    "综治办",
    "信访办",
    "司法所",
    "城建办",
    "社事办",
    "经发办",
    "应急办",
]
OTHER_UNITS = [
    ("浓洄派出所", Unit.Kind.POLICE_STATION, None),
    ("广安中学", Unit.Kind.SCHOOL, "翠屏路社区"),
    ("惠美家公司", Unit.Kind.ENTERPRISE, "果丰社区"),
    ("浓洄社区卫生服务中心", Unit.Kind.HOSPITAL, "柑子园社区"),
]

# The origin of the made-up map: a rectangle per grid, communities side by side.
_ORIGIN_LON, _ORIGIN_LAT = 106.600, 30.440
_CELL = 0.006


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str  # "street", "community:<name>", "grid:<community>/<index>", "unit:<name>"


ACCOUNTS = [
    DemoAccount("admin", Role.ADMINISTRATOR, "street"),
    DemoAccount("clerk", Role.PETITION_CLERK, "street"),
    DemoAccount("governance", Role.GOVERNANCE_STAFF, "street"),
    DemoAccount("leader", Role.LEADER, "street"),
    DemoAccount("leader2", Role.LEADER, "street"),
    DemoAccount("mediator", Role.MEDIATOR, "street"),
    DemoAccount("handler", Role.DEPARTMENT_HANDLER, "unit:城建办"),
    DemoAccount("handler2", Role.DEPARTMENT_HANDLER, "unit:社事办"),
    DemoAccount("community1", Role.COMMUNITY_WORKER, "community:柑子园社区"),
    DemoAccount("community2", Role.COMMUNITY_WORKER, "community:翠屏路社区"),
    DemoAccount("grid1", Role.GRID_WORKER, "grid:柑子园社区/1"),
    DemoAccount("auditor", Role.AUDITOR, "street"),
    DemoAccount("district", Role.DISTRICT, "street"),
]

_TITLES = {
    Role.ADMINISTRATOR: "系统管理员",
    Role.PETITION_CLERK: "信访办工作人员",
    Role.GOVERNANCE_STAFF: "综治办工作人员",
    Role.LEADER: "办事处副主任",
    Role.MEDIATOR: "人民调解员",
    Role.DEPARTMENT_HANDLER: "承办人",
    Role.COMMUNITY_WORKER: "社区干部",
    Role.GRID_WORKER: "网格员",
    Role.AUDITOR: "纪工委审计员",
    Role.DISTRICT: "区综治中心工作人员",
}
_HOME_UNIT = {
    Role.ADMINISTRATOR: "党政办",
    Role.PETITION_CLERK: "信访办",
    Role.GOVERNANCE_STAFF: "综治办",
    Role.LEADER: "党政办",
    Role.MEDIATOR: "司法所",
    Role.AUDITOR: "党政办",
}


def _rectangle(col: int, row: int) -> dict:
    west = _ORIGIN_LON + col * _CELL
    south = _ORIGIN_LAT + row * _CELL
    ring = [
        [round(west, 6), round(south, 6)],
        [round(west + _CELL, 6), round(south, 6)],
        [round(west + _CELL, 6), round(south + _CELL, 6)],
        [round(west, 6), round(south + _CELL, 6)],
        [round(west, 6), round(south, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def made_up_names(count: int, *, seed: int, avoid: set[str] | None = None) -> list[str]:
    """Distinct made-up Chinese names; `avoid` holds names that must never appear."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    avoid = avoid or set()
    names: list[str] = []
    while len(names) < count:
        name = fake.name()
        if name not in names and name not in avoid:
            names.append(name)
    return names


def street() -> Street | None:
    return Street.objects.filter(name=STREET).first()


@dataclass(frozen=True)
class DemoStreet:
    """A made-up street beside the demo street: its places, units and accounts' suffix."""

    name: str
    short_name: str
    office_name: str
    communities: list[tuple[str, int]]
    departments: list[str]
    suffix: str  # of its accounts' usernames: clerk-b …
    map_row: int  # its grids drawn below the demo street's on the map


#: The second street `huiyin demo --streets 2` loads; every name is made up.
SECOND = DemoStreet(
    name="溪桥街道",
    short_name="溪桥",
    office_name="溪桥街道办事处",
    communities=[("石门社区", 3), ("新桥社区", 2)],
    departments=["溪桥党政办", "溪桥综治办", "溪桥信访办", "溪桥司法所", "溪桥城建办"],
    suffix="-b",
    map_row=4,
)

#: Its accounts: the demo street's roles, scoped the same way in its own places.
SECOND_ACCOUNTS = [
    DemoAccount("clerk", Role.PETITION_CLERK, "street"),
    DemoAccount("governance", Role.GOVERNANCE_STAFF, "street"),
    DemoAccount("leader", Role.LEADER, "street"),
    DemoAccount("handler", Role.DEPARTMENT_HANDLER, "unit:溪桥城建办"),
    DemoAccount("community1", Role.COMMUNITY_WORKER, "community:石门社区"),
    DemoAccount("grid1", Role.GRID_WORKER, "grid:石门社区/1"),
]
_SECOND_HOME_UNIT = {
    Role.PETITION_CLERK: "溪桥信访办",
    Role.GOVERNANCE_STAFF: "溪桥综治办",
    Role.LEADER: "溪桥党政办",
}

#: The most streets the demo loads.
MAX_STREETS = 2


@transaction.atomic
def load_organisation() -> bool:
    """Create the demo street once; returns False when it already exists."""
    if street() is not None:
        return False
    st = Street.objects.create(name=STREET, short_name="浓洄", office_name="浓洄街道办事处")
    for c_index, (c_name, grid_count) in enumerate(COMMUNITIES):
        community = Community.objects.create(street=st, name=c_name, order=c_index + 1)
        for g_index in range(grid_count):
            grid = Grid.objects.create(
                community=community,
                name=f"第{g_index + 1}网格",
                order=g_index + 1,
                geometry=_rectangle(c_index * 2 + g_index % 2, g_index // 2),
            )
            for n in (1, 2):
                ResidentsGroup.objects.create(grid=grid, name=f"{g_index * 2 + n}组")
    for name in OFFICE_DEPARTMENTS:
        Unit.objects.create(street=st, name=name, kind=Unit.Kind.OFFICE_DEPARTMENT)
    for name, kind, community_name in OTHER_UNITS:
        community = (
            Community.objects.get(street=st, name=community_name) if community_name else None
        )
        Unit.objects.create(street=st, name=name, kind=kind, community=community)
    return True


@transaction.atomic
def load_second_street(
    password: str, *, avoid_names: set[str] | None = None
) -> tuple[Street, list[tuple[str, str]]]:
    """The second street (:data:`SECOND`) with its places and accounts, once; its accounts get
    `password` again. The district officer is given it too. Returns it and (user, role)."""
    spec = SECOND
    st = Street.objects.filter(name=spec.name).first()
    if st is None:
        st = Street.objects.create(
            name=spec.name, short_name=spec.short_name, office_name=spec.office_name
        )
        for c_index, (c_name, grid_count) in enumerate(spec.communities):
            community = Community.objects.create(street=st, name=c_name, order=c_index + 1)
            for g_index in range(grid_count):
                Grid.objects.create(
                    community=community,
                    name=f"第{g_index + 1}网格",
                    order=g_index + 1,
                    geometry=_rectangle(c_index * 2 + g_index % 2, spec.map_row + g_index // 2),
                )
        for name in spec.departments:
            Unit.objects.create(street=st, name=name, kind=Unit.Kind.OFFICE_DEPARTMENT)
    avoid = set(avoid_names or ()) | set(Staff.objects.values_list("name", flat=True))
    names = made_up_names(len(SECOND_ACCOUNTS), seed=2027, avoid=avoid)
    out: list[tuple[str, str]] = []
    for account, name in zip(SECOND_ACCOUNTS, names, strict=True):
        user, created = User.objects.get_or_create(username=account.username + spec.suffix)
        user.set_password(password)
        user.save()
        if created or not hasattr(user, "staff"):
            scope = _grant_for(account, st)
            unit = (
                scope.get("unit")
                or Unit.objects.filter(
                    street=st, name=_SECOND_HOME_UNIT.get(account.role, "")
                ).first()
            )
            staff = Staff.objects.create(
                user=user, name=name, title=_TITLES[account.role], unit=unit
            )
            RoleGrant.objects.create(staff=staff, role=account.role, street=st, **scope)
        out.append((user.username, f"{Role(account.role).label}（{st.name}）"))
    district = Staff.objects.filter(user__username="district").first()
    if district is not None and not district.grants.filter(street=st).exists():
        RoleGrant.objects.create(staff=district, role=Role.DISTRICT, street=st)
    return st, out


#: The second street's few matters: (kind, title, community, grid order or None).
SECOND_MATTERS = [
    ("petition", "石门社区菜市场占道经营噪声扰民", "石门社区", 1),
    ("petition", "新桥社区老旧小区加装电梯意见不一", "新桥社区", None),
    ("petition", "溪桥路口积水多年未治理", None, None),
    ("dispute", "石门社区相邻通道堆放杂物引发争执", "石门社区", 2),
    ("incident", "新桥社区一餐馆油锅起火", "新桥社区", 1),
]


def load_second_street_matters(st: Street) -> int:
    """A few matters of the second street, registered through the real services by its own
    staff, once (none when the street has matters already). Returns how many were made."""
    from datetime import timedelta

    from django.utils import timezone

    from huiyin.cases.models import Case
    from huiyin.org.demo_times import happened, working_moment

    if Case.objects.filter(street=st).exists():
        return 0
    clerk = User.objects.get(username="clerk" + SECOND.suffix)
    governance = User.objects.get(username="governance" + SECOND.suffix)
    handler_unit = Unit.objects.get(street=st, name="溪桥城建办")
    now = timezone.now()
    made = 0
    for index, (kind, title, c_name, grid_order) in enumerate(SECOND_MATTERS):
        community = Community.objects.get(street=st, name=c_name) if c_name else None
        grid = (
            Grid.objects.get(community=community, order=grid_order)
            if community is not None and grid_order
            else None
        )
        # Received in office hours of a past day (the night the demo is loaded in is no
        # time an office receives a visit).
        received = working_moment(timezone_date(now) - timedelta(days=3 + index * 4), index)
        # Each matter's timeline at the moments it happened (see demo_times).
        if kind == "petition":
            _second_petition(clerk, st, title, community, grid, received, handler_unit, index)
        elif kind == "dispute":
            with happened(working_moment(timezone_date(received), index)):
                _second_dispute(governance, title, community, grid, received)
        else:
            with happened(received - timedelta(minutes=50)):
                _second_incident(governance, title, community, grid, received)
        made += 1
    return made


def _second_petition(clerk, st, title, community, grid, received, unit, index) -> None:
    from datetime import timedelta

    from huiyin.cases.workflow import fire
    from huiyin.org.demo_times import happened, working_moment
    from huiyin.petitions.services import register_petition

    petitioner = {"name": made_up_names(1, seed=3000 + index)[0], "address": "溪桥路8号"}
    with happened(received):
        petition = register_petition(
            actor=clerk,
            data={
                "title": title,
                "channel": "visit",
                "received_at": received,
                "community": community,
                "grid": grid,
                "street": st,
                "told_on_the_spot": True,
            },
            petitioners=[petitioner],
        )
    if index == 0:  # one accepted and assigned to the street's own department
        case = petition.case
        next_day = timezone_date(received) + timedelta(days=1)
        with happened(working_moment(next_day, case.pk)):
            case = fire(case, "accept", actor=clerk, version=case.version)
        with happened(working_moment(next_day, case.pk, 1)):
            fire(case, "assign", actor=clerk, version=case.version, unit=unit)


def _second_dispute(actor, title, community, grid, received) -> None:
    from huiyin.disputes.services import register_dispute

    names = made_up_names(2, seed=3100)
    register_dispute(
        actor,
        title=title,
        community=community,
        grid=grid,
        source="application",
        received_on=timezone_date(received),
        parties=[
            {"side": "a", "name": names[0], "address": "石门路3号"},
            {"side": "b", "name": names[1], "address": "石门路5号"},
        ],
    )


def _second_incident(actor, title, community, grid, received) -> None:
    from datetime import timedelta

    from huiyin.incidents import services
    from huiyin.incidents.types import ensure_default_types, type_named

    ensure_default_types()
    services.register_incident(
        actor,
        title=title,
        category=type_named("火警"),
        occurred_at=received - timedelta(hours=1),
        learned_at=received - timedelta(minutes=50),
        source="hotline",
        community=community,
        grid=grid,
        place="新桥路21号",
    )


def timezone_date(moment):
    from huiyin.cases.deadlines import CHINA_TZ

    return moment.astimezone(CHINA_TZ).date()


def _grant_for(account: DemoAccount, st: Street) -> dict:
    kind, _, rest = account.scope.partition(":")
    if kind == "community":
        return {"community": Community.objects.get(street=st, name=rest)}
    if kind == "grid":
        c_name, _, index = rest.partition("/")
        return {
            "grid": Grid.objects.get(community__street=st, community__name=c_name, order=int(index))
        }
    if kind == "unit":
        return {"unit": Unit.objects.get(street=st, name=rest)}
    return {}


@transaction.atomic
def load_accounts(password: str, *, avoid_names: set[str] | None = None) -> list[tuple[str, str]]:
    """One account per role; existing demo accounts get `password` again. Returns (user, role)."""
    st = street()
    assert st is not None, "load_organisation() first"
    names = made_up_names(len(ACCOUNTS), seed=2026, avoid=avoid_names)
    out: list[tuple[str, str]] = []
    for account, name in zip(ACCOUNTS, names, strict=True):
        user, created = User.objects.get_or_create(username=account.username)
        user.set_password(password)
        if account.role == Role.ADMINISTRATOR:
            user.is_staff = user.is_superuser = True
        user.save()
        if created or not hasattr(user, "staff"):
            scope = _grant_for(account, st)
            unit = (
                scope.get("unit")
                or Unit.objects.filter(street=st, name=_HOME_UNIT.get(account.role, "")).first()
            )
            staff = Staff.objects.create(
                user=user, name=name, title=_TITLES[account.role], unit=unit
            )
            RoleGrant.objects.create(staff=staff, role=account.role, street=st, **scope)
        out.append((account.username, Role(account.role).label))
    return out
