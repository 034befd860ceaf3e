"""The 总结会 speech draft and the 情况通报 of the demo's campaign, written by ``huiyin report
campaign --campaign``: no blank left empty, and the speech's figures — 接访人次, 排查 and 化解,
非正常死亡 and 火警, 越级 — are those ``huiyin stats --json`` gives for the campaign's period.

The demo street is loaded once for the module (the real services, as the crawl loads it) in a
transaction rolled back after the module's tests.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from docx import Document
from lxml import html

from huiyin.org.demo import STREET
from huiyin.reports import stats
from huiyin.reports.demo import NAME as CAMPAIGN
from huiyin.reports.models import Campaign
from huiyin.testing import crawl

pytestmark = pytest.mark.django_db

#: A blank as the speech leaves it: a unit word with nothing but space or punctuation before it.
BLANK = re.compile(r"(^|[\s，。；、：:（(“])(批|人次|件|起|项)")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once; both documents written by the command; the stats of the period."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        HUIYIN_JOBS_SYNC=True,
    )
    folder = tmp_path_factory.mktemp("campaign")
    with django_db_blocker.unblock(), fast, transaction.atomic():
        crawl.world()
        campaign = Campaign.objects.get(name=CAMPAIGN)
        period = stats.Period.of_campaign(campaign)
        texts = {}
        for style in ("speech", "report"):
            out = folder / f"{style}.docx"
            call_command(
                "report",
                "campaign",
                "--campaign",
                CAMPAIGN,
                "--style",
                style,
                "--out",
                str(out),
                "--street",  # the crawl's world has a second street
                STREET,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
            texts[style] = document_text(out)
        found = io.StringIO()
        call_command(
            "stats",
            "--from",
            period.start.isoformat(),
            "--to",
            period.end.isoformat(),
            "--json",
            "--street",
            STREET,
            stdout=found,
        )
        # The leader's dashboard for the campaign (street-wide: the same scope as the command).
        client = Client()
        client.force_login(User.objects.get(username="leader"))
        response = client.get("/reports/", {"period": "campaign", "campaign": campaign.pk})
        assert response.status_code == 200
        dashboard = html.fromstring(response.content.decode())
        yield texts, json.loads(found.getvalue()), dashboard
        transaction.set_rollback(True)


def document_text(path) -> dict:
    """The body's paragraphs, and the data cells of its tables (the rows under the heading)."""
    doc = Document(str(path))
    cells = [cell.text for table in doc.tables for row in table.rows[1:] for cell in row.cells]
    return {"text": "\n".join(p.text for p in doc.paragraphs), "cells": cells}


@pytest.mark.parametrize("style", ["speech", "report"])
def test_no_blank_is_left_empty(demo, style):
    texts, _figures, _dashboard = demo
    text = texts[style]["text"]
    assert len(text) > 500
    found = BLANK.search(text)
    assert found is None, text[max(0, found.start() - 40) : found.end() + 20]
    assert all(cell.strip() for cell in texts[style]["cells"]), texts[style]["cells"]


def test_the_speech_says_what_stats_says_for_the_campaign(demo):
    texts, figures, _dashboard = demo
    text = texts["speech"]["text"]
    assert f"“{CAMPAIGN}”" in text
    assert f"接访群众{figures['receptions']['headcount']}人次" in text
    d = figures["disputes"]
    assert f"调处矛盾纠纷{d['mediated']}件" in text
    assert f"共排查各类矛盾纠纷{d['registered']}件，化解{d['resolved']}件" in text
    i = figures["incidents"]["by_type"]
    assert f"成功处置了{i['unnatural_death']}起非正常死亡事件和{i['fire']}起火警" in text
    over = figures["petitions"]["over_level"]
    assert f"越级信访{over['batches']}批{over['headcount']}人次" in text
    levels = figures["petitions"]["by_level"]
    for level, label in (("national", "进京"), ("province", "赴省"), ("city", "到市")):
        assert f"{label}{levels[level]['batches']}批{levels[level]['headcount']}人次" in text
    # The demo has something to say: not a speech of zeros.
    assert d["registered"] and figures["receptions"]["headcount"] and over["batches"]


def test_the_report_says_what_stats_says_for_the_campaign(demo):
    texts, figures, _dashboard = demo
    text = texts["report"]["text"]
    assert f"领导接访群众{figures['receptions']['headcount']}人次" in text
    d = figures["disputes"]
    assert f"全街道调处矛盾纠纷{d['mediated']}件" in text
    assert f"共排查各类矛盾纠纷{d['registered']}件，化解{d['resolved']}件" in text
    i = figures["incidents"]["by_type"]
    assert f"处置了{i['unnatural_death']}起非正常死亡事件和{i['fire']}起火警" in text
    over = figures["petitions"]["over_level"]
    assert f"其中越级上访{over['batches']}批{over['headcount']}人次" in text
    # The report counts 上访 (visits) by level: "来访…其中进京上访 批 人次".
    visits = figures["petitions"]["visits_by_level"]
    for level, label in (("national", "进京"), ("province", "赴省"), ("city", "到市")):
        assert f"{label}上访{visits[level]['batches']}批{visits[level]['headcount']}人次" in text


def _shown(dashboard, attribute: str, key: str) -> str:
    found = dashboard.xpath(f'//*[@{attribute}="{key}"]')
    assert found, f"{attribute}={key} is not on the dashboard"
    return found[0].text_content().strip()


def test_the_dashboard_says_what_stats_says_for_the_campaign(demo):
    """Incidents, risk notes, patrols, rectifications and the 四无 board, as the leader sees
    them for the campaign, are the numbers of `huiyin stats --json` (issue 14, "Done when")."""
    _texts, figures, dashboard = demo
    incidents = figures["incidents"]
    assert _shown(dashboard, "data-incident", "total") == str(incidents["total"])
    for key in ("unnatural_death", "fire"):
        assert _shown(dashboard, "data-incident", key) == str(incidents["by_type"][key])
    assert _shown(dashboard, "data-incident", "on_time") == str(
        incidents["first_reports"]["on_time"]
    )
    assert _shown(dashboard, "data-incident", "late") == str(incidents["first_reports"]["late"])
    notes = figures["risk_notes"]
    assert _shown(dashboard, "data-incident", "risk_notes_opened") == str(notes["opened"])
    assert _shown(dashboard, "data-incident", "risk_notes_closed") == str(notes["closed"])
    rect = figures["rectifications"]
    for key in ("open", "opened", "done", "overdue"):
        assert _shown(dashboard, "data-rectification", key) == str(rect[key]), key
    assert _shown(dashboard, "data-patrol", "count") == str(figures["patrols"]["count"])
    assert _shown(dashboard, "data-patrol", "inspections") == str(figures["inspections"]["count"])
    goals = figures["goals"]
    for key in (
        "no_major_political_incident",
        "no_illegal_gathering",
        "no_large_mass_incident",
        "no_violent_terror_incident",
    ):
        state = dashboard.xpath(f'//*[@data-goal="{key}"]/@data-state')
        assert state, key
        assert state[0] == ("held" if goals[key] else "broken"), key
    # The demo has incidents to show: not a board of zeros.
    assert incidents["total"] and rect["opened"]
