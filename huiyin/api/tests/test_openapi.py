"""The OpenAPI 3.1 schema: served, committed (docs/openapi.json: a change must be deliberate,
``huiyin api-schema --write``), documenting every answer the API gives; the docs page renders it
offline."""

from __future__ import annotations

import importlib
import json
import re

from django.core.management import call_command

from huiyin.api.problems import TYPES


def served(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_openapi_31_and_needs_no_token(client, db):
    spec = served(client)
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            assert operation.get("security"), (method, path)
            assert operation.get("operationId") and operation.get("summary")
            for code, answer in operation["responses"].items():
                if int(code) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"]


def test_committed_schema_matches_the_live_one(client, db):
    """Fails when the API changed but docs/openapi.json did not: regenerate it with
    ``huiyin api-schema --write`` and commit it with the change."""
    command = importlib.import_module("huiyin.api.management.commands.api-schema")
    committed = json.loads(command.DEFAULT.read_text(encoding="utf-8"))
    assert committed == served(client), "docs/openapi.json is stale: run huiyin api-schema --write"


def test_check_command(tmp_path, db, capsys):
    target = tmp_path / "openapi.json"
    call_command("api-schema", "--write", "--output", str(target))
    call_command("api-schema", "--check", "--output", str(target))
    target.write_text("{}", encoding="utf-8")
    try:
        call_command("api-schema", "--check", "--output", str(target))
    except SystemExit as stop:
        assert stop.code == 1
    else:
        raise AssertionError("--check passed on a stale copy")


def test_examples_are_in_chinese(client, db):
    spec = served(client)
    schemas = spec["components"]["schemas"]
    for name in ("PetitionIn", "DisputeIn", "IncidentIn"):
        example = json.dumps(schemas[name]["examples"][0], ensure_ascii=False)
        assert re.search(r"[\u4e00-\u9fff]", example), name


def test_docs_page_lists_every_operation_offline(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    spec = served(client)
    for item in spec["paths"].values():
        for operation in item.values():
            assert f'id="{operation["operationId"]}"' in html
    for slug in TYPES:
        assert f'id="problem-{slug}"' in html
    # Nothing from elsewhere: no CDN, no inline script.
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html and "cdn" not in html.lower()
