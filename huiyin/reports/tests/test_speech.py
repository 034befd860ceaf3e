"""The 总结会 speech draft: the speech's sentences with every blank filled, the same numbers as
`huiyin stats`; the targets met counted from the responsibility letters."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from huiyin.assessment.models import Comparison, Letter, Target
from huiyin.org.roles import Role
from huiyin.reports import stats, word
from huiyin.reports.sections.assessment import targets_summary
from huiyin.reports.speech import TO_FILL
from huiyin.reports.tests.test_consistency import command_figures
from huiyin.reports.tests.test_consistency import period as period  # noqa: PLC0414 - fixture

pytestmark = pytest.mark.django_db

#: A blank as the speech leaves it: a unit word with nothing but space before it.
BLANK = re.compile(r"(^|[\s，。；、：（])(批|人次|件|起|项|次|个|名|份)")


def speech_text(period, **kwargs) -> str:
    out = io.BytesIO()
    word.campaign_report(out, period=period, style="speech", **kwargs)
    return "\n".join(p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs)


def test_the_speech_has_no_empty_blank_and_says_what_stats_says(period):
    text = speech_text(period)
    assert "在维稳综治暨信访工作" in text and "讲话" in text
    assert not BLANK.search(text), BLANK.search(text)
    figures = command_figures(period)
    receptions = figures["receptions"]["headcount"]
    assert f"接访群众{receptions}人次" in text
    d = figures["disputes"]
    assert f"调处矛盾纠纷{d['mediated']}件" in text
    assert f"共排查各类矛盾纠纷{d['registered']}件，化解{d['resolved']}件" in text
    over = figures["petitions"]["over_level"]
    assert f"越级信访{over['batches']}批{over['headcount']}人次" in text
    national = figures["petitions"]["by_level"]["national"]
    assert f"进京{national['batches']}批{national['headcount']}人次" in text
    i = figures["incidents"]["by_type"]
    assert f"成功处置了{i['unnatural_death']}起非正常死亡事件和{i['fire']}起火警" in text
    # Nothing the office writes was written: the draft says where to write it.
    assert text.count(TO_FILL) == 2


def test_the_speech_carries_the_campaigns_own(personas, community):
    from huiyin.reports.models import save_campaign

    leader = personas[Role.GOVERNANCE_STAFF]
    campaign = save_campaign(
        actor=leader,
        data={
            "name": "百日大会战",
            "start": stats.Period.this_month().start,
            "end": stats.Period.this_month().end,
            "communities": [community.pk],
        },
    )
    campaign.problems = "个别社区零报告流于形式。"
    campaign.next_steps = "坚持一周一排查。\n健全例会制度。"
    campaign.save()
    text = speech_text(stats.Period.of_campaign(campaign), campaign=campaign)
    assert "“百日大会战”活动总结会" in text
    assert "先进单位0个和先进个人0名" in text
    assert "个别社区零报告流于形式。" in text and "健全例会制度。" in text
    assert TO_FILL not in text


def test_targets_met_are_counted_per_letter(personas, community, other_community, period):
    this_year = period.end.year
    first = Letter.objects.create(year=this_year, community=community, title="责任书一")
    # At most 1000 overdue: met whatever happened; at least 1000 % on time: never met.
    Target.objects.create(
        letter=first,
        label="超期",
        stat_key="petitions.overdue_open",
        comparison=Comparison.AT_MOST,
        threshold=Decimal(1000),
    )
    Target.objects.create(
        letter=first,
        label="按期",
        stat_key="petitions.on_time_rate",
        comparison=Comparison.AT_LEAST,
        threshold=Decimal(1000),
    )
    second = Letter.objects.create(year=this_year, community=other_community, title="责任书二")
    Target.objects.create(
        letter=second,
        label="超期",
        stat_key="petitions.overdue_open",
        comparison=Comparison.AT_MOST,
        threshold=Decimal(1000),
    )
    # Another year's letter is not this period's.
    Letter.objects.create(year=this_year - 1, community=community, title="去年")
    found = targets_summary(period)
    assert found["targets.letters"] == 2
    assert found["targets.set"] == 3
    assert found["targets.met"] == 2
    assert found["targets.bodies_all_met"] == 1
    # Whoever may not read the assessment gets none of it, as from the statistics.
    assert targets_summary(period, user=personas[Role.GRID_WORKER])["targets.letters"] == 0
    text = speech_text(period)
    assert "目标责任书2份" in text and "共3项目标，已达到2项" in text


def test_the_command_writes_the_speech(period, tmp_path):
    out = tmp_path / "讲话稿.docx"
    call_command(
        "report",
        "campaign",
        "--from",
        period.start.isoformat(),
        "--to",
        period.end.isoformat(),
        "--style",
        "speech",
        "--out",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "总结会上的讲话" in text
    with pytest.raises(CommandError, match="speech"):
        call_command(
            "report", "campaign", "--style", "poem", "--out", str(out), stderr=io.StringIO()
        )
