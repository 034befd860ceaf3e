"""What every assessment service shares: the refusal, reading input, permissions, today."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.org.access import reach_of
from huiyin.org.roles import Perm
from huiyin.reports.stats.engine import today as _today

VIEW_PERM = Perm.ASSESSMENT_VIEW
MANAGE_PERM = Perm.ASSESSMENT_MANAGE
#: Leaders issue supervision orders (督办) and instruct on a matter (领导批示).
LEADER_PERM = Perm.PETITIONS_APPROVE

MSG_REQUIRED = _("This field is required.")
MSG_STALE = _("This record was changed by someone else meanwhile; reload it and try again.")
MSG_NUMBER = _("Enter a number between %(low)s and %(high)s.")
MSG_TOO_LONG = _("At most %(limit)s characters.")
MSG_CHOICE = _("Choose one of the options.")
#: A body or person of a street the actor does not hold (a forged or stale form): refused by
#: the service, not only left out of the form's choices.
MSG_OTHER_STREET = _("Choose a community or unit of your own street.")
MSG_OTHER_STREET_STAFF = _("Choose a member of staff of your own street.")


class AssessmentInvalid(Exception):
    """Input refused; `errors` maps field names ("__all__" for the whole) to lists of
    translatable messages. Nothing was written."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())

    @property
    def messages(self) -> list[str]:
        return [str(m) for found in self.errors.values() for m in found]


class Errors(dict):
    def add(self, key: str, message) -> None:
        self.setdefault(key, []).append(message)

    def text(self, key: str, value, limit: int, *, required: bool = False) -> str:
        text = bounds.strip_nul(str(value or "")).strip()
        if required and not text:
            self.add(key, MSG_REQUIRED)
        elif len(text) > limit:
            self.add(key, _format(MSG_TOO_LONG, limit=limit))
        return text[:limit]

    def day(self, key: str, value, *, required: bool = True, future_ok: bool = False):
        if value in (None, ""):
            if required:
                self.add(key, MSG_REQUIRED)
            return None
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value).strip()[:10])
            except ValueError:
                self.add(key, MSG_REQUIRED)
                return None
        problem = bounds.date_error(value, future_ok=future_ok)
        if problem is not None:
            self.add(key, problem.messages[0])
            return None
        return value

    def number(self, key: str, value, low, high, *, required: bool = True) -> Decimal | None:
        if value in (None, ""):
            if required:
                self.add(key, MSG_REQUIRED)
            return None
        try:
            number = Decimal(str(value).strip()[:30])
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite() or not (low <= number <= high):
            self.add(key, _format(MSG_NUMBER, low=low, high=high))
            return None
        return number

    def choice(self, key: str, value, choices) -> str:
        value = str(value or "")[:40]
        if value not in {str(c) for c in choices}:
            self.add(key, MSG_CHOICE)
            return ""
        return value

    def raise_if_any(self) -> None:
        if self:
            raise AssessmentInvalid(dict(self))


def _format(message, **params) -> str:
    from django.utils.translation import gettext

    return gettext(message) % params


def today() -> date:
    """Today in Beijing (the statistics engine's day)."""
    return _today()


def require(user, perm: str) -> None:
    if not reach_of(user).can(perm):
        raise PermissionDenied


def may(user, perm: str) -> bool:
    return reach_of(user).can(perm)


def check_version(row, version, errors: Errors) -> None:
    if version not in (None, "") and str(version) != str(row.version):
        errors.add("__all__", MSG_STALE)
