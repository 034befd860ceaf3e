"""`huiyin assess` and `huiyin document 督办单`: the ranking with every point explained, the
JSON keys, one line and exit 2 on bad input."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from huiyin.assessment.bodies import Body
from huiyin.assessment.defaults import NAME
from huiyin.assessment.services import supervision
from huiyin.org.roles import Role
from huiyin.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args, command="assess") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args, command="assess") -> str:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(command, *args, stdout=io.StringIO(), stderr=err)
    assert exc.value.code == 2
    return err.getvalue()


def test_the_ranking_as_json(handled, period):
    out, _err = run("--from", period.start.isoformat(), "--to", period.end.isoformat(), "--json")
    data = json.loads(out)
    assert data["scheme"]["name"] == NAME
    rows = data["ranking"]
    assert {r["kind"] for r in rows} == {"community", "unit"}
    for row in rows:
        assert set(row) >= {"unit", "kind", "score", "vetoed", "points"}
        assert isinstance(row["score"], float) and row["vetoed"] is False
        for point in row["points"]:
            assert point["explanation"]
            assert set(point) >= {"item", "key", "points", "max", "matters"}
    a = next(r for r in rows if r["unit"] == "柑子园社区")
    on_time = next(p for p in a["points"] if p["key"] == "petitions.on_time_rate")
    assert set(on_time["matters"]) == {handled["p3"].case.number, handled["p4"].case.number}
    communities = [r for r in rows if r["kind"] == "community"]
    assert communities[0]["unit"] == "翠屏路社区"  # everything on time ranks first


def test_the_ranking_as_text(handled, period):
    out, err = run("--from", period.start.isoformat(), "--to", period.end.isoformat())
    assert err == ""
    assert "柑子园社区" in out and "城建办" in out
    assert handled["p4"].case.number in out


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--from", "2026-13-01", "--to", "2026-12-31"),
        ("--from", "2026-06-01", "--to", "2026-05-01"),
        ("--from", "0001-01-01", "--to", "2026-05-01"),
        ("--from", "1990-01-01", "--to", "2026-05-01"),  # more than ten years
        ("--from", "2026-01-01", "--to", "2026-02-01", "--scheme", "没有的方案"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(db, args):
    message = refused(*args)
    assert message.strip() and "Traceback" not in message


def test_a_scheme_published_after_the_period_began_is_not_applied(db, personas):
    from huiyin.assessment.defaults import ensure_default_scheme
    from huiyin.assessment.services import schemes

    office = personas[Role.GOVERNANCE_STAFF]
    newer = schemes.new_version(ensure_default_scheme(), actor=office)
    schemes.publish(newer, actor=office)
    today = timezone.localdate()
    # The default name falls back to the version that covers the period: the built-in one.
    out, _ = run(
        "--from", (today - timedelta(days=5)).isoformat(), "--to", today.isoformat(), "--json"
    )
    assert json.loads(out)["scheme"]["version"] == 1


def test_the_supervision_order_document_on_the_command_line(personas, community, tmp_path, unit):
    from huiyin.petitions.tests.factories import register

    petition = register(personas[Role.PETITION_CLERK], community=community)
    today = timezone.localdate()
    order = supervision.issue_order(
        actor=personas[Role.LEADER],
        data={
            "cases": [petition.case.number],
            "ground": "shirking",
            "instruction": "请社区牵头办理。",
            "requirements": "书面反馈。",
            "deadline": today + timedelta(days=3),
        },
        body=Body("community", community.pk, community.name),
    )
    target = tmp_path / "督办单.docx"
    out, _ = run("督办单", "--case", order.number, "--out", str(target), command="document")
    xml = zipfile.ZipFile(target).read("word/document.xml").decode()
    assert order.number in xml and petition.case.number in xml and "推诿" in xml
    assert AuditEntry.objects.filter(action="document.export", target_id=str(order.pk)).exists()
    listed, _ = run("--list", command="document")
    assert "督办单" in listed
    assert refused(
        "督办单", "--case", "浓洄督〔2026〕999号", "--out", str(target), command="document"
    )
