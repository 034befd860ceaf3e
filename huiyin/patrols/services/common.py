"""What every patrol service shares: the refusal with its messages, time, reading ids."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from huiyin.cases import bounds
from huiyin.screening import periods

MSG_CHOICE = _("Choose one of the options.")
MSG_REQUIRED = _("This field is required.")
MSG_STALE = _("This record was changed by someone else meanwhile; reload it and try again.")
MSG_DATE_FUTURE = _("The date cannot be in the future.")
MSG_DATE_RANGE = _("Enter a date between %(first)s and %(last)s.")


class PatrolInvalid(Exception):
    """Input refused; `errors` maps field names ("description", "photos", "__all__") to lists
    of translatable messages. Nothing was written."""

    def __init__(self, errors: dict[str, list[str | Promise]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.errors.items())


class Errors(dict):
    def add(self, key: str, message) -> None:
        self.setdefault(key, []).append(message)

    def text(self, key: str, value, limit: int, *, required=False, matter=True) -> str:
        from huiyin.patrols.rules import clean_text

        text, problem = clean_text(value, limit, required=required, matter=matter)
        if problem is not None:
            self.add(key, problem)
        return text

    def raise_if_any(self) -> None:
        if self:
            raise PatrolInvalid(dict(self))


def now() -> datetime:
    return periods.now()


def today() -> date:
    return periods.today()


def day(value, key: str, errors: Errors, *, future_ok=False, required=True) -> date | None:
    """A plausible date (huiyin.cases.bounds), not in the future unless `future_ok`."""
    if value in (None, ""):
        if required:
            errors.add(key, MSG_REQUIRED)
        return None
    if isinstance(value, datetime):
        value = periods.today(value)
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            errors.add(key, MSG_REQUIRED)
            return None
    problem = bounds.date_error(value, future_ok=future_ok)
    if problem is not None:
        errors.add(key, problem.messages[0])
        return None
    return value


def pick(model, value, **filters):
    """The row of `model` with id `value` (an instance or an id from outside), or None."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        value = value.pk
    pk = bounds.bounded_int(value, 1, bounds.MAX_ID)
    if pk is None:
        return None
    return model.objects.filter(pk=pk, **filters).first()


def check_version(row, version, errors: Errors) -> None:
    if version not in (None, "") and str(version) != str(row.version):
        errors.add("__all__", MSG_STALE)
