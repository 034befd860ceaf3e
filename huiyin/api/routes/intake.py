"""Intake: a petition (collective visits included), a dispute, an incident — each through its
kind's own registration service, with the same permissions and checks as the web's forms.

The people named (petitioners, parties) are write-only: the answer names the case, never them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from huiyin.api import serialize
from huiyin.api.intake_schemas import DisputeIn, IncidentIn, PetitionIn
from huiyin.api.problems import Problem
from huiyin.api.schemas import WRITE_ERRORS, Created
from huiyin.cases import bounds
from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case

router = Router(tags=["intake 登记"])
ERRORS = {k: v for k, v in WRITE_ERRORS.items() if k not in (409, 412, 428)}


def _invalid(exc) -> Problem:
    errors = {key: [str(m) for m in messages] for key, messages in exc.errors.items()}
    return Problem("invalid", errors=errors)


def _created(response: HttpResponse, case: Case, **extra) -> Status:
    url = serialize.case_url(case)
    response["Location"] = url
    response["ETag"] = f'"{case.version}"'
    return Status(
        201,
        {
            "number": case.number,
            "kind": case.kind,
            "status": case.status,
            "version": case.version,
            "url": url,
            "receipt_code": extra.get("receipt_code"),
            "warnings": extra.get("warnings", []),
        },
    )


def _case_ref(user, value, kind: str):
    """A case of `kind` the caller may see, by number or id, as its id (the services take
    ids); the text itself when none is found, for the service to refuse in its words."""
    if value in (None, ""):
        return None
    text = bounds.strip_nul(str(value)).strip()
    if text.isascii() and text.isdigit():
        return text
    found = (
        Case.objects.visible_to(user, kind=kind).filter(number=text).values_list("pk", flat=True)
    )
    pk = found.first()
    return pk if pk is not None else "0"


@router.post(
    "/petitions",
    response={201: Created, **ERRORS},
    url_name="petition_create",
    operation_id="registerPetition",
    summary="信访登记 Register a petition",
    description=(
        "Letters, visits, calls, online petitions and matters assigned from above; a "
        "collective visit names at least one representative (more than five is a recorded "
        "warning, never a refusal: 条例 art. 20). Petitioners are write-only."
    ),
)
def register_petition(request: HttpRequest, body: PetitionIn, response: HttpResponse):
    from huiyin.petitions.services import (
        MSG_REPRESENTATIVES_WARNING,
        PetitionInvalid,
        _max_representatives,
    )
    from huiyin.petitions.services import register_petition as register

    data = body.model_dump(exclude={"petitioners"})
    data["repeat_of"] = _case_ref(request.user, data.get("repeat_of"), Kind.PETITION)
    people = [p.model_dump() for p in body.petitioners]
    try:
        petition = register(actor=request.user, data=data, petitioners=people, request=request)
    except PetitionInvalid as exc:
        raise _invalid(exc) from None
    except PermissionDenied:
        raise Problem("forbidden") from None
    warnings = []
    if petition.representatives_exceeded:
        warnings.append(str(MSG_REPRESENTATIVES_WARNING) % {"max": _max_representatives()})
    return _created(response, petition.case, receipt_code=petition.receipt_code, warnings=warnings)


@router.post(
    "/disputes",
    response={201: Created, **ERRORS},
    url_name="dispute_create",
    operation_id="registerDispute",
    summary="纠纷登记 Register a dispute",
    description="A dispute applied for, found in screening or referred; parties are write-only.",
)
def register_dispute(request: HttpRequest, body: DisputeIn, response: HttpResponse):
    from huiyin.disputes.services import DisputeInvalid
    from huiyin.disputes.services import register_dispute as register

    data = body.model_dump()
    if data["amount"] is not None:
        data["amount"] = str(data["amount"])
    data["petition_case"] = _case_ref(request.user, data["petition_case"], Kind.PETITION)
    try:
        case = register(request.user, request=request, **data)
    except DisputeInvalid as exc:
        raise _invalid(exc) from None
    except PermissionDenied:
        raise Problem("forbidden") from None
    return _created(response, case, receipt_code=_dispute_receipt(case))


def _dispute_receipt(case: Case) -> str | None:
    from huiyin.disputes.models import Dispute

    code = Dispute.objects.filter(pk=case.pk).values_list("receipt_code", flat=True).first()
    return code or None


@router.post(
    "/incidents",
    response={201: Created, **ERRORS},
    url_name="incident_create",
    operation_id="registerIncident",
    summary="突发事件登记 Register an incident",
    description=(
        "An incident as the street learned of it; the grade of a production-safety accident "
        "is derived from its figures. Reports upward (初报/续报/终报) follow as actions."
    ),
)
def register_incident(request: HttpRequest, body: IncidentIn, response: HttpResponse):
    from huiyin.incidents.registration import IncidentInvalid
    from huiyin.incidents.registration import register_incident as register

    data = body.model_dump()
    if data["direct_loss"] is not None:
        data["direct_loss"] = str(data["direct_loss"])
    try:
        case = register(request.user, request=request, **data)
    except IncidentInvalid as exc:
        raise _invalid(exc) from None
    except PermissionDenied:
        raise Problem("forbidden") from None
    return _created(response, case)
