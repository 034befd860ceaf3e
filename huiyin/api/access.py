"""The API's checks of who may do what: the web's permissions, asked in one place."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from huiyin.api.problems import MSG_NUMBER_RANGE, MSG_WHOLE_NUMBER, Problem
from huiyin.cases import bounds
from huiyin.cases.models import Case
from huiyin.org import street_choice
from huiyin.org.access import reach_of

MAX_NUMBER = 40

#: The query parameter naming one of the caller's streets, and its bounds (an id).
STREET = "street"
MAX_STREET_ID = bounds.MAX_ID

MSG_STREET_ONCE = _("Name one street at most.")
MSG_STREET_NOT_YOURS = _(
    "This is not one of your streets: name a street you hold a role in, or leave street out."
)


def require(request: HttpRequest, *perms: str) -> None:
    """403 unless the caller holds one of `perms` (as the web's ``require_perm``)."""
    reach = reach_of(request.user)
    if not any(reach.can(perm) for perm in perms):
        raise Problem("forbidden")


def load_case(request: HttpRequest, number: str) -> Case:
    """The case with this number (or id) if the caller may see it: through the one door,
    which audits a refusal; 404 — the same answer whether or not it exists — otherwise."""
    from huiyin.api.serialize import with_related

    text = str(number or "").strip()
    if not text or len(text) > MAX_NUMBER or bounds.strip_nul(text) != text:
        raise Problem("not-found")
    if text.isascii() and text.isdigit() and bounds.bounded_int(text, 1, bounds.MAX_ID) is None:
        raise Problem("not-found")
    return with_related(Case.objects.all()).get_for_user(request.user, text)


def _street_id(request: HttpRequest) -> int | None:
    """The street the call names (``?street=<id>``), checked as a number; None: not named."""
    given = request.GET.getlist(STREET)
    if len(given) > 1:
        raise Problem("invalid", errors={STREET: [MSG_STREET_ONCE]})
    text = given[0].strip() if given else ""
    if not text:
        return None  # left out (or blank, as the web's "all my streets")
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise Problem("invalid", errors={STREET: [MSG_WHOLE_NUMBER]})
    value = bounds.bounded_int(text, 1, MAX_STREET_ID)  # reads no more digits than the bound
    if value is None:
        message = str(MSG_NUMBER_RANGE) % {"min": 1, "max": MAX_STREET_ID}
        raise Problem("invalid", errors={STREET: [message]})
    return value


def narrow_to_street(request: HttpRequest) -> None:
    """``?street=<id>``: the caller's reach for this call is their grants in that street only
    (the web's header street selector, :func:`huiyin.org.street_choice.narrow`), so every
    route — the case lists and pages, the statistics, the reference data, the screening
    reports, a registration's street — follows without code of its own. A street the caller
    holds no grant in is refused (403, whether or not it exists); the caller's only street
    changes nothing; no parameter, nothing at all."""
    street_id = _street_id(request)
    if street_id is None:
        return
    ids = reach_of(request.user).street_ids
    if street_id not in ids:
        raise Problem("forbidden", MSG_STREET_NOT_YOURS)
    if len(ids) > 1:
        street_choice.narrow(request.user, street_id)
