"""The REST API, version 1: one NinjaAPI, its routers and its one error format.

    /api/v1/openapi.json   the OpenAPI 3.1 schema (docs/openapi.json is its committed copy)
    /api/v1/docs           the operations and the error types, rendered here (no CDN)
    /api/v1/…              cases, attachments, intake, statistics, screening reports,
                           reference data (token required)

Regenerate the committed schema after a deliberate change: ``huiyin api-schema --write``.
"""

from __future__ import annotations

from ninja import NinjaAPI

from huiyin.api import access, problems
from huiyin.api.auth import token_auth
from huiyin.api.routes import attachments, cases, intake, reference, screening, stats

DESCRIPTION = """回音 (Huiyin) — 信访、矛盾纠纷与突发事件办理系统的接口。

Every call carries a personal or service token: `Authorization: Bearer hy_…` (made on the
API tokens page, shown once). A token acts with its owner's roles: the same cases, the same
actions, the same refusals as the web pages. Answers never name a petitioner or a party:
names, ID numbers, phones and addresses are taken on intake and never returned. Errors are
RFC 9457 problem details (`application/problem+json`) with a stable `type`; changes need the
version read (`If-Match`), and a stale one gets 412.

A token whose owner holds roles in several streets reads all of them together; any call may
name one of them, `?street=<id>`, to read (and register) in that street only, as the street
selector of the web pages. A street the owner holds no role in is refused (403).
"""

#: ``?street=<id>``, taken by every operation (:func:`huiyin.api.access.narrow_to_street`).
STREET_PARAMETER = {
    "in": "query",
    "name": access.STREET,
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": access.MAX_STREET_ID},
    "description": (
        "one of your streets (its id): only that street's matters, places and figures for this "
        "call; left out (or blank), all of your streets. A street you hold no role in: 403"
    ),
}


#: What a registration's answer leads to (OpenAPI links: clients and stateful fuzzing follow
#: them from the new case's number to its page, timeline, clocks and actions).
LINKS = {
    name: {
        "operationId": operation,
        "parameters": {"number": "$response.body#/number"},
        "description": description,
    }
    for name, operation, description in (
        ("GetCase", "getCase", "the case registered"),
        ("GetCaseTimeline", "getCaseTimeline", "its timeline"),
        ("GetCaseClocks", "getCaseClocks", "its time limits"),
        ("FireTransition", "fireTransition", "an action on it"),
    )
}


#: An upload's answer leads to the file's download and the case's list of files.
ATTACHMENT_LINKS = {
    "DownloadAttachment": {
        "operationId": "downloadCaseAttachment",
        "parameters": {"number": "$request.path.number", "attachment_id": "$response.body#/id"},
        "description": "the file uploaded",
    },
    "ListAttachments": {
        "operationId": "listCaseAttachments",
        "parameters": {"number": "$request.path.number"},
        "description": "the case's files",
    },
}
#: The links of a 201 answer, by the name of its schema.
CREATED_LINKS = {"Created": LINKS, "AttachmentOut": ATTACHMENT_LINKS}


def _schema_name(answer: dict | None) -> str:
    if not answer:
        return ""
    ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1]


class HuiyinAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's schema, with the error answers' media type as they are sent and the
        `street` parameter every operation takes (read in the token check, not by a route)."""
        spec = super().get_openapi_schema(**kwargs)
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                operation.setdefault("parameters", []).append(dict(STREET_PARAMETER))
                for code, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        answer["content"] = {problems.CONTENT_TYPE: content["application/json"]}
                answers = operation.get("responses", {})
                created = answers.get(201) or answers.get("201")
                shape = _schema_name(created)
                if shape in CREATED_LINKS:
                    created["links"] = CREATED_LINKS[shape]
        return spec


api = HuiyinAPI(
    title="回音 Huiyin API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=token_auth,
)
problems.install(api)
api.add_router("", cases.router)
api.add_router("", attachments.router)
api.add_router("", intake.router)
api.add_router("", stats.router)
api.add_router("", screening.router)
api.add_router("", reference.router)


def schema() -> dict:
    """The OpenAPI document as served at /api/v1/openapi.json."""
    return api.get_openapi_schema(path_prefix="/api/v1")
