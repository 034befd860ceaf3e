"""The demo street: 浓洄街道 with its communities, grids, units and one account per role.

Place and unit names come from the source speech; every person is made up.
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


@transaction.atomic
def load_organisation() -> bool:
    """Create the demo street once; returns False when it already exists."""
    if street() is not None:
        return False
    st = Street.objects.create(name=STREET, short_name="浓洄")
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


def _grant_for(account: DemoAccount, st: Street) -> dict:
    kind, _, rest = account.scope.partition(":")
    if kind == "community":
        return {"community": Community.objects.get(street=st, name=rest)}
    if kind == "grid":
        c_name, _, index = rest.partition("/")
        return {"grid": Grid.objects.get(community__name=c_name, order=int(index))}
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
            RoleGrant.objects.create(staff=staff, role=account.role, **scope)
        out.append((account.username, Role(account.role).label))
    return out
