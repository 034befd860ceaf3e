"""``POST /api/v1/cases/{number}/transitions/{name}``: the case page's action, over the API.

The JSON body's keys are the form fields of that action on the case page (the workflow
reference lists them); the same form checks them, then the same ``fire()`` runs with the
version from ``If-Match``. What can go wrong, and its status:

* no If-Match → 428; not a version → 400; not the case's version (now or when the row is
  written) → 412;
* the action does not exist → 404 (as the web); the case is not visible → 404 (audited);
* the caller's roles do not allow the action here → 403;
* the matter's state does not allow it (or its precondition) → 409;
* a field is wrong (the form, or the transition's own checks) → 422 with the field.

A refusal by ``fire()`` is audited there ("case.transition_refused").
"""

from __future__ import annotations

import json
import math
import re

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from huiyin.api.kinds import KINDS
from huiyin.api.problems import Problem
from huiyin.cases import bounds
from huiyin.cases.exceptions import CaseRefused, StaleCase
from huiyin.cases.models import Case, _staff_id
from huiyin.cases.workflow import fire, may_fire, workflow_for
from huiyin.org.access import reach_of

MAX_VALUE = 20000
MAX_ITEMS = 200
MAX_KEYS = 100
_VERSION = re.compile(r'\s*(?:W/)?"?(\d{1,9})"?\s*')

MSG_NO_ACTION = _("This action does not exist.")
MSG_UNKNOWN = _("This field is not known for this action.")
MSG_NOT_VALID = _("This value is not valid.")
MSG_TOO_LONG = _("Enter at most %(max)s characters.")
MSG_TOO_MANY = _("Enter at most %(max)s items.")
MSG_TOO_MANY_FIELDS = _("Too many fields.")
MSG_IF_MATCH = _('If-Match must be the version read, e.g. "3".')


def version_from(request: HttpRequest) -> int:
    """The version named by If-Match: 428 when missing, 400 when it is not one."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise Problem("precondition-required")
    match = _VERSION.fullmatch(raw[:40])
    if match is None:
        raise Problem("malformed", MSG_IF_MATCH)
    return int(match.group(1))


def read_object(request: HttpRequest) -> dict:
    """The request body as a JSON object (an empty body is an empty object); 400 otherwise."""
    raw = request.body
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise Problem("malformed") from None
    if not isinstance(data, dict):
        raise Problem("malformed")
    return data


def _scalar(value, key: str, errors: dict) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, int):
        if abs(value) > bounds.MAX_ID:
            errors.setdefault(key, []).append(str(bounds.MSG_TOO_MANY) % {"limit": bounds.MAX_ID})
            return None
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            errors.setdefault(key, []).append(str(MSG_NOT_VALID))
            return None
        return repr(value)
    if isinstance(value, str):
        if "\x00" in value:
            errors.setdefault(key, []).append(str(bounds.MSG_NUL))
            return None
        if len(value) > MAX_VALUE:
            errors.setdefault(key, []).append(str(MSG_TOO_LONG) % {"max": MAX_VALUE})
            return None
        return value
    errors.setdefault(key, []).append(str(MSG_NOT_VALID))
    return None


def as_form_data(payload: dict, version: int) -> QueryDict:
    """The JSON payload as the form's POST data (lists as repeated values); 422 for a value
    that no form field could take (an object, NUL, too long, too big)."""
    if len(payload) > MAX_KEYS:
        raise Problem("invalid", errors={"__all__": [MSG_TOO_MANY_FIELDS]})
    errors: dict[str, list] = {}
    data = QueryDict(mutable=True)
    for key, value in payload.items():
        if not isinstance(key, str) or len(key) > 100 or "\x00" in key or key == "version":
            errors.setdefault(str(key)[:100].replace("\x00", ""), []).append(str(MSG_UNKNOWN))
            continue
        if isinstance(value, list):
            if len(value) > MAX_ITEMS:
                errors.setdefault(key, []).append(str(MSG_TOO_MANY) % {"max": MAX_ITEMS})
                continue
            items = [_scalar(item, key, errors) for item in value if not isinstance(item, list)]
            if any(isinstance(item, list | dict) for item in value):
                errors.setdefault(key, []).append(str(MSG_NOT_VALID))
            data.setlist(key, [item for item in items if item is not None])
            continue
        item = _scalar(value, key, errors)
        if item is not None:
            data[key] = item
    if errors:
        raise Problem("invalid", errors=errors)
    data["version"] = str(version)
    return data


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def run(request: HttpRequest, case: Case, name: str) -> Case:
    """Check and fire `name` on `case` (visible to the caller); the case as it now is."""
    workflow = workflow_for(case.kind)
    transition = workflow.by_name.get(name)
    if transition is None:
        raise Problem("not-found", MSG_NO_ACTION)
    version = version_from(request)
    payload = read_object(request)
    if version != case.version or not _may_try(case, transition, request.user):
        # A stale version, the matter's state or the caller's roles refuse it whatever the
        # payload: fire() says which (and audits the refusal), before any field is read.
        return _fire(request, case, transition, version, {})
    data = as_form_data(payload, version)
    form = KINDS[case.kind].form(transition, case, data, request.user)
    unknown = sorted(str(k) for k in payload if k not in form.fields or k == "version")
    if unknown:
        raise Problem("invalid", errors={key[:100]: [MSG_UNKNOWN] for key in unknown})
    if not form.is_valid():
        errors = _form_errors(form)
        errors.pop("version", None)
        if not errors:
            raise Problem("stale")
        raise Problem("invalid", errors=errors)
    return _fire(request, case, transition, version, form.payload())


def _may_try(case: Case, transition, user) -> bool:
    if case.withdrawn or case.status not in transition.sources:
        return False
    return may_fire(reach_of(user), _staff_id(user), case, transition)


def _fire(request: HttpRequest, case: Case, transition, version: int, payload: dict) -> Case:
    try:
        return fire(
            case, transition.name, actor=request.user, version=version, request=request, **payload
        )
    except StaleCase as stale:
        raise Problem("stale", stale.message) from None
    except CaseRefused as refusal:
        raise _classify(case, transition, request.user, refusal) from None


def _classify(case: Case, transition, user, refusal: CaseRefused) -> Problem:
    """403 for the roles, 409 for the matter's state (or precondition), else 422."""
    current = Case.objects.get(pk=case.pk)
    if current.withdrawn or current.status not in transition.sources:
        return Problem("transition-refused", refusal.message)
    if not may_fire(reach_of(user), _staff_id(user), current, transition):
        return Problem("forbidden", refusal.message)
    if transition.precondition is not None:
        return Problem("transition-refused", refusal.message)
    return Problem("invalid", refusal.message, errors={"__all__": [refusal.message]})
