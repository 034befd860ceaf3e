"""Numbers that run per street and year: meetings (会纪), risk assessments (稳评), supervision
orders (督办). Each street's first of a year is 1; the number begins with the street's short
name, so no two streets' numbers are alike while their short names differ."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Max, Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from huiyin.org.models import Street

MSG_SHARED_NUMBER = _(
    "The number %(number)s is already another street's: %(street)s shares its short name with"
    " another street. An administrator must give each street its own short name first."
)


class SharedNumber(Exception):
    """Another street holds the number: the two streets' numbers begin alike."""

    def __init__(self, number: str, street: Street):
        self.message = gettext(MSG_SHARED_NUMBER) % {"number": number, "street": street.name}
        super().__init__(self.message)


def next_in_street(
    model: type[Model], street: Street, year: int, number_of: Callable[[int], str]
) -> tuple[int, str]:
    """The next sequence of `model`'s rows in `street` and `year`, and its number.

    Call it in the transaction that creates the row: the model's unique constraint on street,
    year and sequence refuses a second writer, whose caller tries again. A number another
    street already holds raises :class:`SharedNumber` (trying again would not help).
    """
    top = model.objects.filter(street=street, year=year).aggregate(top=Max("seq"))["top"]
    seq = (top or 0) + 1
    number = number_of(seq)
    if model.objects.filter(number=number).exclude(street=street).exists():
        raise SharedNumber(number, street)
    return seq, number
