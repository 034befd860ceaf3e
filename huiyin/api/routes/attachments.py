"""A case's attachments over the API: the list (what each file is), a download and an upload —
through the same services as the case page (:mod:`huiyin.cases.attachments`).

* The list and the download need what opening the case needs; the download goes through
  ``open_attachment`` (the case's door, a withdrawn file is 404) and is audited "download".
* The upload takes ``multipart/form-data`` with one part ``file``; the request is refused
  (413) before it is read when it is larger than a file may be; then ``attach()`` checks the
  file as the web upload does (type from the content, size, not empty: 422 on ``file``) and the
  caller's working permission on the case (403), and audits it ("object.create").
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import Path, Router, Status

from huiyin.api import serialize
from huiyin.api.access import load_case, require
from huiyin.api.kinds import KINDS
from huiyin.api.problems import Problem
from huiyin.api.schemas import ERRORS, AttachmentOut
from huiyin.api.schemas import Problem as ProblemOut
from huiyin.cases import attachments as files
from huiyin.cases.exceptions import AttachmentRefused, CaseRefused
from huiyin.cases.kinds import spec
from huiyin.cases.models import Attachment
from huiyin.cases.services import holds

router = Router(tags=["attachments 附件"])

#: What a multipart request adds around its file (boundaries, part headers): a request longer
#: than the largest file and this is refused unread.
ENVELOPE = 64 * 1024
MAX_ATTACHMENTS = 1000

MSG_FILE_REQUIRED = _("Attach a file in the part named “file”.")
MSG_ONE_FILE = _("Send one file at a time.")
MSG_MULTIPART = _("Send the file as multipart/form-data.")
MSG_TOO_LARGE = _("The file is larger than %(mb)s MB.")

#: The kinds of file kept (the type is read from the content, not from this header).
DOWNLOAD_TYPES = sorted(files.EXTENSIONS)
UPLOAD_ERRORS = {**ERRORS, 413: ProblemOut}


def _attachments_of(request: HttpRequest, number: str):
    case = load_case(request, number)
    require(request, *KINDS[case.kind].detail_perms)
    return case


@router.get(
    "/cases/{number}/attachments",
    response={200: list[AttachmentOut], **ERRORS},
    url_name="case_attachments",
    operation_id="listCaseAttachments",
    summary="附件列表 Attachments",
    description=(
        "The case's files: name, size, type, when and by whom, and whether withdrawn "
        "(a withdrawn file is listed, never downloaded). `url` is the download."
    ),
)
def list_attachments(request: HttpRequest, number: str):
    case = _attachments_of(request, number)
    rows = (
        Attachment.objects.filter(case=case)
        .select_related("uploaded_by__staff")
        .order_by("uploaded_at", "id")[:MAX_ATTACHMENTS]
    )
    out = []
    for row in rows:
        row.case = case
        out.append(serialize.attachment(row))
    return out


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    url_name="case_attachment",
    operation_id="downloadCaseAttachment",
    summary="下载附件 Download an attachment",
    description="The file itself, as it was uploaded; every download is audited.",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file (Content-Disposition: attachment)",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in DOWNLOAD_TYPES
                },
            }
        },
    },
)
def download_attachment(
    request: HttpRequest,
    number: str,
    attachment_id: int = Path(..., ge=1, le=2**63 - 1, description="`id` from the list"),
):
    case = _attachments_of(request, number)
    if not Attachment.objects.filter(pk=attachment_id, case_id=case.pk).exists():
        raise Problem("not-found")
    found, handle = files.open_attachment(request.user, attachment_id, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _too_large() -> Problem:
    limit = files.max_bytes()
    return Problem("too-large", str(MSG_TOO_LARGE) % {"mb": round(limit / 1024 / 1024, 1)})


def _the_file(request: HttpRequest):
    """The one uploaded file, its request bounded before a byte of it is read."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > files.max_bytes() + ENVELOPE:
        raise _too_large()
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise Problem("invalid", errors={"file": [MSG_MULTIPART]})
    try:
        uploaded = request.FILES.getlist("file")
        others = [name for name in request.FILES if name != "file"]
    except (MultiPartParserError, SuspiciousOperation, ValueError):
        raise Problem("malformed", MSG_MULTIPART) from None
    if others or len(uploaded) > 1:
        raise Problem("invalid", errors={"file": [MSG_ONE_FILE]})
    if not uploaded:
        raise Problem("invalid", errors={"file": [MSG_FILE_REQUIRED]})
    return uploaded[0]


@router.post(
    "/cases/{number}/attachments",
    response={201: AttachmentOut, **UPLOAD_ERRORS},
    url_name="case_attachment_upload",
    operation_id="uploadCaseAttachment",
    summary="上传附件 Upload an attachment",
    description=(
        "One file, `multipart/form-data` with the part `file`: a PDF, a PNG or JPEG image, a "
        "Word or Excel document or plain text (the type is read from the content), not empty, "
        "at most the size the office allows (20 MB by default; a larger request is refused "
        "unread, 413). Needs a write token and the working permission on the case (as the "
        "case page's upload); audited."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    },
                    "encoding": {"file": {"contentType": ", ".join(DOWNLOAD_TYPES)}},
                }
            },
        }
    },
)
def upload_attachment(request: HttpRequest, number: str, response: HttpResponse):
    case = _attachments_of(request, number)
    if not holds(request.user, case, *spec(case.kind).work_perms):
        # Refused before the file is read (attach() asks again, in its own transaction).
        raise Problem("forbidden", files.MSG_NO_WORK_PERM)
    uploaded = _the_file(request)
    try:
        stored = files.attach(case, uploaded, actor=request.user, request=request)
    except AttachmentRefused as refusal:
        raise Problem("invalid", errors={"file": [refusal.message]}) from None
    except CaseRefused as refusal:
        raise Problem("forbidden", refusal.message) from None
    stored.case = case
    out = serialize.attachment(stored)
    response["Location"] = out["url"]
    return Status(201, out)
