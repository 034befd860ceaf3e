"""The left navigation: a section shows only to those whose roles give it something."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.org.access import Reach
from huiyin.org.roles import Perm


@dataclass(frozen=True)
class Section:
    key: str
    label: Promise
    icon: str
    perms: tuple[str, ...]  # any one of them shows the section
    url_name: str  # the section's own page once its app exists; else the section overview
    summary: Promise

    @property
    def installed(self) -> bool:
        """Whether the section's own page exists in this release."""
        try:
            reverse(self.url_name)
        except NoReverseMatch:
            return False
        return True

    def url(self) -> str:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return reverse("section", args=[self.key])


SECTIONS: tuple[Section, ...] = (
    Section(
        "petitions",
        _("Petitions"),
        "envelope-paper",
        (Perm.PETITIONS_VIEW,),
        "petitions:list",
        _("Letters, visits, calls and online petitions, from intake to reply."),
    ),
    Section(
        "disputes",
        _("Disputes"),
        "people",
        (Perm.DISPUTES_VIEW,),
        "disputes:list",
        _("Weekly screening, nil reports, mediation and follow-up visits."),
    ),
    Section(
        "incidents",
        _("Incidents"),
        "exclamation-triangle",
        (Perm.INCIDENTS_VIEW,),
        "incidents:list",
        _("Incidents and early warnings, reported and followed to their end."),
    ),
    Section(
        "patrols",
        _("Patrols and rectification"),
        "signpost-split",
        (Perm.PATROLS_VIEW,),
        "patrols:list",
        _("Grid patrols, focused inspections and rectification tasks."),
    ),
    Section(
        "assessment",
        _("Assessment"),
        "clipboard-check",
        (Perm.ASSESSMENT_VIEW,),
        "assessment:index",
        _("Targets, responsibility letters, scoring and campaigns."),
    ),
    Section(
        "reports",
        _("Statistics and reports"),
        "bar-chart",
        (Perm.REPORTS_VIEW,),
        "reports:dashboard",
        _("The dashboard, Word reports and Excel ledgers."),
    ),
    Section(
        "system",
        _("System administration"),
        "gear",
        (Perm.ADMIN_MANAGE, Perm.AUDIT_VIEW),
        "system",
        _("Organisation, staff and roles, holidays, and the audit trail."),
    ),
)

SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}


def _permitted(reach: Reach) -> list[Section]:
    perms = reach.permissions()
    return [s for s in SECTIONS if any(p in perms for p in s.perms)]


def sections_for(reach: Reach) -> list[Section]:
    """The sections the navigation links to: the person's, whose pages exist in this release.

    A section whose app is not installed yet (disputes, incidents, patrols, assessment) is no
    link: it would lead to an empty page. The home page names it as coming (`coming_for`).
    """
    return [s for s in _permitted(reach) if s.installed]


def coming_for(reach: Reach) -> list[Section]:
    """The person's sections whose pages are not in this release yet ("即将上线")."""
    return [s for s in _permitted(reach) if not s.installed]


def may_open(reach: Reach, section: Section) -> bool:
    """Whether the person's roles give them the section (installed or coming)."""
    return section in _permitted(reach)


@dataclass(frozen=True)
class Link:
    label: Promise
    url: str
    summary: Promise


def system_links(reach: Reach) -> list[Link]:
    """The system section's pages, by permission; apps add theirs with `register_system_link`."""
    links = []
    if reach.can(Perm.ADMIN_MANAGE):
        links.append(
            Link(
                _("Organisation, staff and roles"),
                reverse("admin:index"),
                _("Communities, grids, units, accounts and their roles and scopes."),
            )
        )
    for perm, factory in _system_links:
        if reach.can(perm):
            links.append(factory())
    return links


_system_links: list = []


def register_system_link(perm: str, factory) -> None:
    """`factory() -> Link`, shown in the system section to holders of `perm`."""
    _system_links.append((perm, factory))
