"""Who and what a dispute ledger's row names, read against Huiyin: its community and type,
its parties (a person, or an organisation by the ending of its name: :func:`is_organisation`),
the committee (its tier read from its name when Huiyin has none of that name: :func:`tier_of`)
and the mediators. What rows are checked against is read once per import (:class:`Lookups`);
:class:`Names` reads one row's names for the row check (``disputes_check.py``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Category
from huiyin.disputes.models import Committee, Mediator, Tier
from huiyin.disputes.registration import REGISTER_PERMS
from huiyin.org import streets
from huiyin.org.access import reach_of
from huiyin.org.models import Community
from huiyin.org.roles import Perm
from huiyin.reports.ledgers.cells import MSG_REQUIRED
from huiyin.reports.ledgers.load import SEPARATOR
from huiyin.reports.ledgers.petitions_check import (
    MSG_MASKED,
    MSG_NAME_LONG,
    MSG_UNKNOWN_COMMUNITY,
    split_cell,
)

__all__ = ["ORGANISATION_ENDINGS", "Lookups", "Names", "is_organisation", "tier_of"]


def _fold(text: str) -> str:
    """A name as compared: without whitespace, case folded."""
    return "".join(str(text).split()).casefold()


NAME_LENGTH = 40
ORGANISATION_LENGTH = 100

MSG_UNKNOWN_TYPE = _("“{value}” is not a dispute type of Huiyin. Allowed values: {allowed}.")
MSG_AMBIGUOUS_TYPE = _(
    "“{value}” names more than one dispute type; write it with its parent: {allowed}."
)
MSG_MORE_VALUES = _("{column} lists {count} values for {names} applicants.")
MSG_ORGANISATION_ID = _("“{name}” is an organisation: it has no resident ID number.")
MSG_UNKNOWN_COMMITTEE = _(
    "No mediation committee of this name in Huiyin; kept as written, its tier read from the "
    "name: {tier}."
)
MSG_UNKNOWN_COMMITTEE_TIER = _(
    "No mediation committee of this name in Huiyin, and the name does not tell its tier; kept "
    "as written, handled at the tier {tier}."
)
MSG_UNKNOWN_MEDIATOR = _("No mediator of this name in Huiyin; kept as written.")
MSG_AMBIGUOUS_MEDIATOR = _("Several mediators have this name; kept as written.")


#: A party whose name ends so is an organisation (公司, 厂, 店 …), not a natural person.
ORGANISATION_ENDINGS = (
    "公司", "厂", "店", "中心", "学校", "中学", "小学", "大学", "医院", "委员会", "集团",
    "合作社", "超市", "商行", "门市部", "酒店", "宾馆", "幼儿园", "银行", "事务所", "工作室", "协会", "村委会", "居委会",
    "管委会", "物业", "项目部", "经营部", "办事处", "政府", "局", "诊所", "药房", "农场",
    "市场", "企业", "车行", "馆", "社", "院", "站", "所", "部", "场",
)  # fmt: skip
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[)）]$")


def is_organisation(name: str) -> bool:
    """A party named like 宏达建筑劳务有限公司 or 柑子园社区居委会 (a note in brackets after the
    name ignored): its name ends in one of :data:`ORGANISATION_ENDINGS`. Any other name is a
    natural person's."""
    core = _TRAILING_NOTE.sub("", name.strip()).strip()
    return len(core) > 1 and core.endswith(ORGANISATION_ENDINGS)


def tier_of(committee_name: str) -> str | None:
    """The tier a committee's name says: …网格调解小组 grid, …社区人民调解委员会 community,
    …街道人民调解委员会 (or 大调解中心) street, 区… district, another 人民调解委员会 (a
    unit's) unit; None when the name says none."""
    name = "".join(committee_name.split())
    if "网格" in name or name.endswith(("调解小组", "调解组")):
        return "grid"
    if "社区" in name:
        return "community"
    if "街道" in name or "大调解中心" in name or "综治中心" in name:
        return "street"
    if "区" in name.replace("小区", "") or name.startswith("区"):
        return "district"
    if name.endswith("调解委员会"):
        return "unit"
    return None


class Lookups:
    """What rows are checked against: communities, dispute types, committees, mediators and
    the importer's scope, read once."""

    def __init__(self, actor):
        self.today = bounds.today()
        # The communities of the street an import names (``--street``), else of every street.
        communities = list(
            streets.in_working_street(Community.objects.select_related("street")).order_by(
                "order", "id"
            )
        )
        self.communities: dict[str, Community | None] = {}
        for community in communities:
            for key in {community.name, community.name.removesuffix("社区")}:
                self.communities[key] = None if key in self.communities else community
        self.community_names = SEPARATOR.join(c.name for c in communities) or "—"

        types = list(
            Category.objects.filter(kind=Kind.DISPUTE, active=True)
            .select_related("parent")
            .order_by("order", "id")
        )
        self.types: dict[str, Category | None] = {}
        for category in types:
            self.types[category.name] = None if category.name in self.types else category
            if category.parent_id:
                self.types[f"{category.parent.name}/{category.name}"] = category
        self.type_names = self._tree_names(types)

        self.committees: dict[str, Committee | None] = {}
        for committee in Committee.objects.filter(active=True).select_related("grid", "unit"):
            key = _fold(committee.name)
            self.committees[key] = None if key in self.committees else committee
        self.mediators: dict[str, list[Mediator]] = {}
        for mediator in Mediator.objects.order_by("-active", "id"):
            self.mediators.setdefault(_fold(mediator.name), []).append(mediator)

        self.actor = actor
        reach = reach_of(actor)
        self.admin = actor is None or reach.can(Perm.ADMIN_MANAGE)
        self.scopes = [reach.scope(perm) for perm in REGISTER_PERMS]

    def _tree_names(self, types: list[Category]) -> str:
        """Every type in tree order, a type below another after it (劳动争议、劳动争议/欠薪)."""
        children: dict[int | None, list[Category]] = {}
        for category in types:
            children.setdefault(category.parent_id, []).append(category)
        names: list[str] = []

        def walk(parent: Category | None, depth: int) -> None:
            for category in children.get(parent.pk if parent else None, []):
                unique = self.types.get(category.name) is category
                names.append(category.name if unique else f"{parent.name}/{category.name}")
                if depth < 10:
                    walk(category, depth + 1)

        walk(None, 0)
        return SEPARATOR.join(names) or "—"

    def may_register(self, community: Community, committee: Committee | None) -> bool:
        if self.admin:
            return True
        unit_id = committee.unit_id if committee is not None else None
        return any(
            scope.covers(community_id=community.pk, unit_id=unit_id) for scope in self.scopes
        )


class Names:
    """The reading of one row's names; the row check (``disputes_check._Check``) supplies
    ``cells``, ``look`` (:class:`Lookups`), ``kept``, ``warnings``, ``session``, ``number``,
    :meth:`error` and :meth:`failed`."""

    cells: dict
    look: Lookups
    kept: dict
    warnings: list

    # -- place and type ------------------------------------------------------------------------

    def _community(self) -> Community | None:
        text = self.cells["所属社区"]
        if not text:
            return None
        community = self.look.communities.get(text)
        if community is None:
            self.error(
                "所属社区",
                text,
                format_lazy(MSG_UNKNOWN_COMMUNITY, value=text, allowed=self.look.community_names),
            )
        return community

    def _type(self) -> Category | None:
        text = self.cells["纠纷类型"]
        if not text:
            return None
        key = "/".join(part.strip() for part in re.split(r"[/／>＞-]", text))
        if key not in self.look.types:
            message = MSG_UNKNOWN_TYPE
        elif self.look.types[key] is None:
            message = MSG_AMBIGUOUS_TYPE
        else:
            return self.look.types[key]
        self.error("纠纷类型", text, format_lazy(message, value=text, allowed=self.look.type_names))
        return None

    # -- parties -------------------------------------------------------------------------------

    def _parties(self, column: str, side: str, *, required: bool = False) -> list[dict]:
        text = self.cells[column]
        if text is None:  # refused by the parser
            return []
        names = [name for name in split_cell(text) if name]
        if not names:
            if required and not self.failed(column):
                self.error(column, text, MSG_REQUIRED)
            return []
        parties = []
        for name in names:
            if "*" in name:
                self.error(column, text, MSG_MASKED)
                return []
            organisation = is_organisation(name)
            if len(name) > (ORGANISATION_LENGTH if organisation else NAME_LENGTH):
                self.error(column, name, format_lazy(MSG_NAME_LONG, value=name))
            parties.append(
                {
                    "side": side,
                    "kind": "organisation" if organisation else "person",
                    "name": name,
                    "id_number": "",
                    "phone": "",
                }
            )
        return parties

    def _identity(self, column: str, applicants: list[dict], validate) -> list[str]:
        text = self.cells[column] or ""
        parts = split_cell(text)
        if not parts:
            return []
        if "*" in text:
            self.error(column, text, MSG_MASKED)
            return []
        if len(parts) > max(len(applicants), 1):
            self.error(
                column,
                text,
                format_lazy(
                    MSG_MORE_VALUES, column=column, count=len(parts), names=len(applicants)
                ),
            )
            return []
        result = []
        for part in parts:
            if not part:
                result.append("")
                continue
            try:
                result.append(validate(part))
            except ValidationError as exc:
                self.error(column, part, " ".join(str(m) for m in exc.messages))
                result.append("")
        return result

    # -- committee and mediators ---------------------------------------------------------------

    def _committee(self, community: Community | None) -> tuple[Committee | None, str, Any]:
        """(the committee, the tier, the committee's grid) of the row."""
        default = Tier.COMMUNITY if community is not None else Tier.STREET
        text = self.cells["调解组织"] or ""
        if not text:
            return None, default, None
        committee = self.look.committees.get(_fold(text))
        if committee is not None:
            return (
                committee,
                committee.tier,
                committee.grid if committee.tier == Tier.GRID else None,
            )
        self.kept["committee"] = text[:100]
        tier = tier_of(text)
        shown = str(Tier(tier or default).label)
        message = MSG_UNKNOWN_COMMITTEE if tier else MSG_UNKNOWN_COMMITTEE_TIER
        self.warnings.append(("调解组织", text, format_lazy(message, tier=shown)))
        return None, tier or default, None

    def _mediators(self, committee: Committee | None) -> list[Mediator]:
        found: list[Mediator] = []
        unknown: list[str] = []
        for name in split_cell(self.cells["调解员"] or ""):
            if not name:
                continue
            candidates = self.look.mediators.get(_fold(name), [])
            # The row's committee's own first; of several of one name, the active ones.
            pool = [m for m in candidates if committee and m.committee_id == committee.pk]
            pool = pool or candidates
            active = [m for m in pool if m.active]
            pool = active if len(pool) > 1 and active else pool
            if len(pool) == 1:
                found.append(pool[0])
                continue
            unknown.append(name[:40])
            reason = MSG_AMBIGUOUS_MEDIATOR if pool else MSG_UNKNOWN_MEDIATOR
            self.session.warn(self.number, "调解员", name, reason)
        if unknown:
            self.kept["mediators"] = unknown
        return list({m.pk: m for m in found}.values())
