"""The API's docs page: every operation of the OpenAPI schema, its parameters, an example of
its body, its answers, and the error types — rendered on the server from the schema itself,
so it works on an intranet without a CDN and under the content policy (no script at all)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from huiyin.api import problems

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Param:
    name: str
    where: str
    required: bool
    kind: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    params: list[Param] = field(default_factory=list)
    example: str = ""
    statuses: list[str] = field(default_factory=list)


def _resolve(spec: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    found: dict = spec
    for part in ref.lstrip("#/").split("/"):
        found = found.get(part, {})
    return found


def _kind(spec: dict, schema: dict) -> str:
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return " · ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_kind(spec, s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type", "")
    if kind == "array":
        return f"[{_kind(spec, schema.get('items', {}))}]"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _example(spec: dict, operation: dict) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json", {})
    examples = media.get("examples")
    if examples:
        value = next(iter(examples.values())).get("value")
    else:
        schema = _resolve(spec, media.get("schema", {}))
        value = (schema.get("examples") or [None])[0]
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2)


def _params(spec: dict, operation: dict) -> list[Param]:
    out = []
    for raw in operation.get("parameters", []):
        item = _resolve(spec, raw)
        out.append(
            Param(
                item.get("name", ""),
                item.get("in", ""),
                bool(item.get("required")),
                _kind(spec, item.get("schema", {})),
                item.get("description", "") or item.get("schema", {}).get("description", ""),
            )
        )
    return out


def operations(spec: dict) -> list[tuple[str, list[Operation]]]:
    """The operations by tag, in the schema's order."""
    groups: dict[str, list[Operation]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            groups.setdefault(tag, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    params=_params(spec, operation),
                    example=_example(spec, operation),
                    statuses=sorted(operation.get("responses", {})),
                )
            )
    return list(groups.items())


def problem_types() -> list[dict]:
    return [
        {
            "slug": slug,
            "type": problems.TYPE_BASE + slug,
            "status": status,
            "title": str(title),
            "meaning": str(problems.EXPLAINED[slug]),
        }
        for slug, (status, title) in problems.TYPES.items()
    ]


@require_GET
def docs_page(request: HttpRequest) -> HttpResponse:
    from huiyin.api.api import schema

    spec = schema()
    context = {
        "info": spec.get("info", {}),
        "paragraphs": [p for p in spec.get("info", {}).get("description", "").split("\n\n") if p],
        "groups": operations(spec),
        "problem_types": problem_types(),
    }
    return render(request, "api/docs.html", context)
