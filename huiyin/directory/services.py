"""From a directory user's groups to a Huiyin account, its Staff row and its role grants.

Both directories end here (huiyin/directory/backends.py): the person has proved who they are
to the directory, and `sign_in()` decides whether Huiyin lets them in and with which roles.

- The grants are exactly those that the person's groups map to (HUIYIN_DIRECTORY_GROUPS),
  replaced at every sign-in in one transaction: a group left in the directory is a role gone
  at the next sign-in. A change is written to the audit trail (`directory.sync`).
- A person in no mapped group is refused, and so is a directory user whose name is taken by a
  local account (or by the other directory's): the directory never takes an account over.
  A refusal is audited too (`directory.refused`), and its message is shown on the sign-in page.
- Nothing here talks to the directory: the caller has read the groups and attributes already,
  so no transaction is held open while a directory answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiyin.directory import config
from huiyin.directory.models import DirectoryAccount
from huiyin.org.models import Community, Grid, RoleGrant, Staff, Street, Unit
from huiyin.privacy import audit

logger = logging.getLogger(__name__)

#: Where a refusal's message waits for the sign-in page (the form or the OIDC callback).
REFUSAL_ATTR = "huiyin_directory_refusal"

# Bounds on what a directory sends: more groups than this, or a longer name, is not read.
MAX_GROUPS = 1000
MAX_USERNAME = 150  # Django's username column
MAX_NAME = 40  # Staff.name
MAX_EMAIL = 254
_USERNAME = re.compile(r"^[\w.@+-]+\Z")


class Refused(Exception):
    """A directory user who may not sign in; `reason` for the audit, `message` for them."""

    NO_GROUP = "no_mapped_group"
    UNKNOWN_PLACE = "unknown_place"
    NAME_TAKEN = "name_taken"
    INACTIVE = "inactive"
    NO_IDENTIFIER = "no_identifier"

    MESSAGES = {
        NO_GROUP: _(
            "Your directory account is in no group that has a role in Huiyin. "
            "Ask the administrator to add you to one."
        ),
        UNKNOWN_PLACE: _(
            "Your directory groups give roles in a community, grid or unit that Huiyin does "
            "not know. Tell the administrator."
        ),
        NAME_TAKEN: _(
            "A Huiyin account of the same name exists already and is not linked to the "
            "directory. Sign in with its own password, or ask the administrator."
        ),
        INACTIVE: _("This account has been disabled in Huiyin. Ask the administrator."),
        NO_IDENTIFIER: _("The directory did not say who you are. Tell the administrator."),
    }

    def __init__(self, reason: str, *, username: str = "", groups: Iterable[str] = ()):
        super().__init__(reason)
        self.reason = reason
        self.username = username
        self.groups = sorted(groups)

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.reason])


def refuse(request, refusal: Refused, source: str) -> None:
    """Audit a refusal (outside the refused transaction) and keep its message for the page."""
    audit.record(
        "directory.refused",
        actor=None,
        target_label=refusal.username,
        request=request,
        diff={"source": source, "reason": refusal.reason, "groups": refusal.groups},
    )
    if request is not None:
        setattr(request, REFUSAL_ATTR, refusal.message)


def refusal_message(request) -> str | None:
    """The message of a directory refusal in this request, if there was one."""
    return getattr(request, REFUSAL_ATTR, None)


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Place:
    """One grant as the mapping gives it: a role over a street, community, grid or unit."""

    role: str
    street_id: int | None = None  # a whole-street grant's street (None: the grants' own rule)
    community_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class Wanted:
    """The grants a person's groups give, and what could not be given."""

    grants: frozenset[Place]
    groups: tuple[str, ...]  # the person's groups that the mapping names
    unknown: tuple[
        config.GroupRule, ...
    ]  # entries whose street, community, grid or unit is not found


def bounded_groups(groups) -> list[str]:
    """A directory's group names, bounded: strings only, so many, so long."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, Iterable):
        return []
    names = []
    for name in groups:
        if isinstance(name, str) and 0 < len(name) <= config.MAX_GROUP:
            names.append(name)
        if len(names) >= MAX_GROUPS:
            break
    return names


def rules() -> tuple[config.GroupRule, ...]:
    return settings.HUIYIN_DIRECTORY.rules


def grants_name_streets() -> bool:
    """Whether a role grant records its street (a database that serves several streets)."""
    return any(f.name == "street" for f in RoleGrant._meta.concrete_fields)


def _one(queryset) -> int | None:
    ids = list(queryset.values_list("id", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None


def resolve(rule: config.GroupRule) -> Place | None:
    """The grant a rule gives, its place looked up by name; None when not exactly one matches.

    A whole-street grant without a name covers the only street; with several streets in the
    database it must name one (street:<name>).
    """
    if rule.scope == config.STREET:
        streets = Street.objects.filter(name=rule.place[0]) if rule.place else Street.objects.all()
        street_id = _one(streets)
        if street_id is None:
            return None
        return Place(rule.role, street_id=street_id if grants_name_streets() else None)
    if rule.scope == config.COMMUNITY:
        found = _one(Community.objects.filter(name=rule.place[0]))
        return None if found is None else Place(rule.role, community_id=found)
    if rule.scope == config.GRID:
        found = _one(Grid.objects.filter(community__name=rule.place[0], name=rule.place[1]))
        return None if found is None else Place(rule.role, grid_id=found)
    found = _one(Unit.objects.filter(name=rule.place[0]))
    return None if found is None else Place(rule.role, unit_id=found)


def held(grant: RoleGrant, streets: bool) -> Place:
    """A grant in the database as the mapping would give it (its street only when whole)."""
    whole = not (grant.community_id or grant.grid_id or grant.unit_id)
    street_id = grant.street_id if streets and whole else None
    return Place(grant.role, street_id, grant.community_id, grant.grid_id, grant.unit_id)


def wanted(groups: Iterable[str]) -> Wanted:
    keys = {name.casefold(): name for name in bounded_groups(groups)}
    grants: set[Place] = set()
    matched: set[str] = set()
    unknown: list[config.GroupRule] = []
    for rule in rules():
        if rule.key not in keys:
            continue
        matched.add(keys[rule.key])
        grant = resolve(rule)
        if grant is None:
            unknown.append(rule)
            logger.error(
                "HUIYIN_DIRECTORY_GROUPS: %s names a place that is not found (or not only once)",
                rule.describe(),
            )
        else:
            grants.add(grant)
    return Wanted(frozenset(grants), tuple(sorted(matched)), tuple(unknown))


# --------------------------------------------------------------------------- what is read


def clean_name(value, fallback: str) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return (text or fallback)[:MAX_NAME]


def clean_email(value) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if len(value) > MAX_EMAIL:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def valid_username(value) -> bool:
    return (
        isinstance(value, str) and 0 < len(value) <= MAX_USERNAME and bool(_USERNAME.match(value))
    )


# --------------------------------------------------------------------------- signing in


def sign_in(
    *,
    source: str,
    subject: str,
    username: str,
    groups: Iterable[str],
    name=None,
    email=None,
    request=None,
):
    """The account of a person the directory vouches for, its grants as their groups say.

    Raises Refused (nothing written) when the person may not sign in.
    """
    groups = bounded_groups(groups)
    if not subject or len(subject) > 255 or not valid_username(username):
        raise Refused(Refused.NO_IDENTIFIER, username=username[:MAX_USERNAME], groups=groups)
    want = wanted(groups)
    if not want.grants:
        # The directory gives this person no role any more: an account they had loses its
        # grants now (its sessions elsewhere too), not only at a sign-in that never comes.
        with transaction.atomic():
            _revoke(source, subject, want, request)
        reason = Refused.UNKNOWN_PLACE if want.unknown else Refused.NO_GROUP
        raise Refused(reason, username=username, groups=want.groups)
    name = clean_name(name, username)
    email = clean_email(email)
    # Two first sign-ins at once (a double click) race to create the account on PostgreSQL:
    # the loser finds the winner's account on the second try.
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _apply(source, subject, username, want, name, email, request)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _apply(source, subject, username, want: Wanted, name: str, email: str, request):
    user_model = get_user_model()
    account = (
        DirectoryAccount.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(source=source, subject=subject)
        .first()
    )
    created = account is None
    if account is None:
        if user_model.objects.filter(username__iexact=username).exists():
            raise Refused(Refused.NAME_TAKEN, username=username, groups=want.groups)
        user = user_model(username=username, email=email)
        user.set_unusable_password()
        user.save()
        account = DirectoryAccount(user=user, source=source, subject=subject)
    else:
        user = account.user
        if not user.is_active:
            raise Refused(Refused.INACTIVE, username=user.username, groups=want.groups)
        if email and user.email != email:
            user.email = email
            user.save(update_fields=["email"])
    account.groups = list(want.groups)
    account.synced_at = timezone.now()
    account.save()

    staff, _ = Staff.objects.get_or_create(user=user, defaults={"name": name})
    if staff.name != name:
        staff.name = name
        staff.save(update_fields=["name"])
    streets = grants_name_streets()
    related = ["community", "grid__community", "unit", *(["street"] if streets else [])]
    before = list(staff.grants.select_related(*related))
    holding = {held(g, streets): g for g in before}
    gone = [g.pk for key, g in holding.items() if key not in want.grants]
    new = [key for key in want.grants if key not in holding]
    if gone:
        RoleGrant.objects.filter(pk__in=gone).delete()
    for key in new:
        grant = RoleGrant(
            staff=staff,
            role=key.role,
            community_id=key.community_id,
            grid_id=key.grid_id,
            unit_id=key.unit_id,
        )
        if key.street_id is not None:
            grant.street_id = key.street_id
        grant.save()
    if created or gone or new:
        after = staff.grants.select_related(*related)
        audit.record(
            "directory.sync",
            actor=user,
            target=staff,
            request=request,
            diff={
                "source": source,
                "groups": list(want.groups),
                "grants": [_labels(before), _labels(after)],
            },
        )
    # The reach cached on this user object is stale now.
    if hasattr(user, "_huiyin_reach"):
        del user._huiyin_reach
    return user


def _revoke(source, subject, want: Wanted, request) -> None:
    account = (
        DirectoryAccount.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(source=source, subject=subject)
        .first()
    )
    staff = Staff.objects.filter(user_id=account.user_id).first() if account else None
    if staff is None:
        return
    related = ["community", "grid__community", "unit"]
    if grants_name_streets():
        related.append("street")
    before = list(staff.grants.select_related(*related))
    account.groups = list(want.groups)
    account.synced_at = timezone.now()
    account.save(update_fields=["groups", "synced_at"])
    if not before:
        return
    RoleGrant.objects.filter(pk__in=[g.pk for g in before]).delete()
    audit.record(
        "directory.sync",
        actor=account.user,
        target=staff,
        request=request,
        diff={"source": source, "groups": list(want.groups), "grants": [_labels(before), "—"]},
    )


def _labels(grants) -> str:
    return "、".join(sorted(str(g) for g in grants)) or "—"
