"""What the case core needs to know about each kind of case, in one small registry.

The core (numbering, row access, attachments) asks here; the kind's own app (``petitions``,
later ``disputes`` and ``incidents``) fills in what only it knows, such as which cases a person
must never see (:func:`register_exclusion`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huiyin.org.access import Reach
from huiyin.org.roles import Perm


class Kind(models.TextChoices):
    PETITION = "petition", _("Petition")
    DISPUTE = "dispute", _("Dispute")
    INCIDENT = "incident", _("Incident")


#: `exclusion(user, reach) -> Q | None`: cases of the kind the person must not see even inside
#: their scope (a petition about the person's own unit, 条例 art. 30 and 46).
Exclusion = Callable[[object, Reach], Q | None]


@dataclass
class KindSpec:
    kind: str
    letter: str  # in the case number: 浓洄信〔2026〕0042号
    view_perm: str  # who may see cases of this kind at all (within the perm's scope)
    work_perms: tuple[str, ...]  # who may add notes and attachments, or edit the core record
    manage_perm: str  # who may withdraw a case recorded in error
    exclusions: list[Exclusion] = field(default_factory=list)


KINDS: dict[str, KindSpec] = {
    Kind.PETITION: KindSpec(
        Kind.PETITION,
        "信",
        Perm.PETITIONS_VIEW,
        (Perm.PETITIONS_REGISTER, Perm.PETITIONS_DECIDE, Perm.PETITIONS_HANDLE),
        Perm.PETITIONS_DECIDE,
    ),
    Kind.DISPUTE: KindSpec(
        Kind.DISPUTE,
        "调",
        Perm.DISPUTES_VIEW,
        (Perm.DISPUTES_SCREEN, Perm.DISPUTES_MEDIATE),
        Perm.DISPUTES_SCREEN,
    ),
    Kind.INCIDENT: KindSpec(
        Kind.INCIDENT,
        "事",
        Perm.INCIDENTS_VIEW,
        (Perm.INCIDENTS_REPORT,),
        Perm.INCIDENTS_REPORT,
    ),
}


def spec(kind: str) -> KindSpec:
    return KINDS[kind]


def register_exclusion(kind: str, fn: Exclusion) -> None:
    """Add a rule hiding some cases of `kind` from some people; apps call it in `ready()`."""
    exclusions = KINDS[kind].exclusions
    if fn not in exclusions:
        exclusions.append(fn)
