"""The audit page speaks as people do: object types by name ("cases.case" → 事项), actions and
what changed in words (状态：已答复 → 已办结), with the raw record one click away."""

import csv
import html as htmllib
import io
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from huiyin.cases.tests.factories import make_case
from huiyin.org.models import Community
from huiyin.org.roles import Role
from huiyin.privacy import audit
from huiyin.privacy.models import AuditEntry

URL = reverse("privacy:audit")


def test_it_names_an_object_type_by_its_model(db):
    with translation.override("zh-hans"):
        assert audit.target_type_label("org.community") == "社区"
    with translation.override("en"):
        assert audit.target_type_label("org.community") == "Community"


def test_it_keeps_a_type_that_is_no_model_as_it_is(db):
    assert audit.target_type_label("gone.model") == "gone.model"
    assert audit.target_type_label("not a label") == "not a label"


def test_it_shows_object_types_by_name_in_the_filter_and_the_table(client, personas, community):
    audit.record("object.update", target=Community.objects.get(pk=community.pk))
    client.force_login(personas[Role.AUDITOR])
    response = client.get(URL)
    choices = dict(response.context["form"].fields["target_type"].choices)
    assert choices["org.community"] == "社区"
    html = response.content.decode()
    assert f"社区 #{community.pk}" in html
    assert f">org.community #{community.pk}" not in html
    # Filtering still goes by the code.
    filtered = client.get(URL, {"target_type": "org.community"})
    assert [e.target_type for e in filtered.context["page"].object_list] == ["org.community"]


# --- the details column: what changed, in words ---------------------------------------------


@pytest.fixture
def auditor(personas):
    return personas[Role.AUDITOR]


def lines_of(html: str, seq: int) -> list[str]:
    row = html.split(f'<tr data-seq="{seq}">', 1)[1].split("</tr>", 1)[0]
    return [htmllib.unescape(t) for t in re.findall(r'<li class="text-break"[^>]*>(.*?)</li>', row)]


def test_a_status_change_reads_as_the_kind_names_its_states(client, auditor, community):
    case = make_case(community=community, status="concluded")
    entry = audit.record(
        "case.transition",
        target=case,
        diff={"transition": "conclude", "status": ["replied", "concluded"]},
    )
    client.force_login(auditor)
    html = client.get(URL).content.decode()
    lines = lines_of(html, entry.seq)
    assert "状态：已答复 → 已办结" in lines
    assert lines[0].startswith(str(audit.DIFF_KEY_LABELS["transition"]))  # the step first
    assert "conclude" not in lines[0]  # named as the workflow names it
    assert '"status": ["replied", "concluded"]' not in "".join(lines)


def test_ids_of_people_and_places_read_as_their_names(client, auditor, personas, unit, grid):
    case = make_case(community=grid.community, grid=grid)
    leader = personas[Role.LEADER].staff
    entry = audit.record(
        "object.update",
        target=case,
        diff={
            "owner": [None, leader.pk],
            "owner_unit": [None, unit.pk],
            "grid": [None, grid.pk],
            "withdrawn": [False, True],
        },
    )
    client.force_login(auditor)
    lines = lines_of(client.get(URL).content.decode(), entry.seq)
    assert f"承办人：— → {leader.name}" in lines
    assert f"责任单位：— → {unit.name}" in lines
    assert f"网格：— → {grid.community.name}·{grid.name}" in lines
    assert "已撤销：否 → 是" in lines


def test_a_campaigns_communities_and_units_read_as_names(
    client, auditor, community, other_community, unit
):
    from datetime import date

    from huiyin.reports.models import Campaign

    campaign = Campaign.objects.create(name="百日", start=date(2026, 3, 1), end=date(2026, 6, 8))
    created = audit.record(
        "object.create",
        target=campaign,
        diff={"communities": [community.pk, other_community.pk], "units": [unit.pk]},
    )
    changed = audit.record(
        "object.update",
        target=campaign,
        diff={"communities": [[community.pk], [community.pk, other_community.pk]]},
    )
    client.force_login(auditor)
    html = client.get(URL).content.decode()
    both = f"{community.name}、{other_community.name}"
    assert f"参加社区：{both}" in lines_of(html, created.seq)
    assert any(line.endswith(f"：{unit.name}") for line in lines_of(html, created.seq))
    assert lines_of(html, changed.seq) == [f"参加社区：{community.name} → {both}"]


def test_an_unknown_key_is_shown_as_it_is_and_the_raw_record_stays_one_click_away(client, auditor):
    entry = audit.record("export", target_label="x", diff={"mystery": 3, "rows": 12})
    client.force_login(auditor)
    html = client.get(URL).content.decode()
    lines = lines_of(html, entry.seq)
    assert "mystery：3" in lines
    assert f"{audit.DIFF_KEY_LABELS['rows']}：12" in lines
    raw = htmllib.escape(entry.diff_text, quote=True)
    assert re.search(
        r'<details class="audit-raw"><summary[^>]*>[^<]+</summary><code[^>]*>'
        + re.escape(raw)
        + "</code></details>",
        html,
    )


def test_an_identity_view_names_the_fields_and_never_their_values(client, auditor, community):
    case = make_case(community=community)
    petitioners = [{"name": "张*", "id_number": "110101********123X"}]
    entry = audit.record(
        "object.create",
        target=case,
        diff={"channel": "visit", "petitioners": petitioners},
    )
    client.force_login(auditor)
    text = " ".join(lines_of(client.get(URL).content.decode(), entry.seq))
    assert "信访形式：来访" in text  # a field of the case's petition, by its choices
    assert "110101********123X" in text and "张*" in text  # as recorded: masked


def test_sign_ins_are_hidden_unless_asked_for_and_failed_ones_always_show(client, auditor):
    audit.record("auth.login", actor=auditor)  # 1
    audit.record("auth.logout", actor=auditor)  # 2
    audit.record("auth.login_failed", target_label="nobody")  # 3
    audit.record("object.update")  # 4
    client.force_login(auditor)  # 5

    def shown(**params):
        html = client.get(URL, params).content.decode()
        return [int(p.split('"')[0]) for p in html.split('<tr data-seq="')[1:]]

    assert shown() == [4, 3]
    assert shown(logins="on") == [5, 4, 3, 2, 1]
    assert shown(action="auth.login") == [5, 1]  # asked for by name
    html = client.get(URL).content.decode()
    assert 'type="checkbox" name="logins"' in html
    assert 'class="form-check-input"' in html
    # The export follows the same filter.
    response = client.get(reverse("privacy:audit_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["6", "4", "3"]  # 6: the export itself
    response = client.get(reverse("privacy:audit_export"), {"logins": "on"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["7", "6", "5", "4", "3", "2", "1"]


def test_the_export_keeps_the_raw_json_and_adds_a_readable_column(client, auditor, community):
    case = make_case(community=community)
    audit.record("case.transition", target=case, diff={"status": ["replied", "concluded"]})
    client.force_login(auditor)
    response = client.get(reverse("privacy:audit_export"), {"action": "case.transition"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows[0]) == len(rows[1]) == 11
    assert rows[1][8] == '{"status": ["replied", "concluded"]}'
    assert rows[1][9] == "状态：已答复 → 已办结"


def _mixed_entries(n: int, personas, unit, grid, community) -> None:
    leader = personas[Role.LEADER].staff
    for i in range(n):
        case = make_case(community=community, grid=grid)
        audit.record(
            "case.transition",
            actor=personas[Role.PETITION_CLERK],
            target=case,
            diff={
                "transition": "reply",
                "status": ["handling", "replied"],
                "owner": [None, leader.pk],
            },
        )
        audit.record("object.update", target=case, diff={"owner_unit": [None, unit.pk]})
        audit.record("object.update", target=community, diff={"name": ["旧", f"新{i}"]})
        audit.record("export", actor=personas[Role.LEADER], diff={"rows": i, "filters": {}})
        audit.record("auth.login_failed", target_label=f"who{i}")


def test_it_reads_a_page_of_many_kinds_in_a_constant_number_of_queries(
    client, auditor, personas, unit, grid, community
):
    client.force_login(auditor)
    _mixed_entries(1, personas, unit, grid, community)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _mixed_entries(12, personas, unit, grid, community)
    with CaptureQueriesContext(connection) as many:
        html = client.get(URL).content.decode()
    assert html.count('<tr data-seq="') == 50
    assert len(many) == len(few)
    assert AuditEntry.objects.count() > 50


def test_every_action_the_code_records_has_a_label():
    root = Path(audit.__file__).resolve().parents[1]
    recorded = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        recorded |= set(re.findall(r'record\(\s*"([a-z_]+(?:\.[a-z_]+)*)"', path.read_text()))
    assert recorded, "found no record() calls"
    assert recorded <= set(audit.ACTION_LABELS), recorded - set(audit.ACTION_LABELS)
