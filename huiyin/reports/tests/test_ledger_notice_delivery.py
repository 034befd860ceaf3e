"""The petition ledger's optional columns of the Regulations: the notice (告知, art. 23), the
written answer's delivery (送达, art. 35) and the bodies answering a review or re-examination."""

from __future__ import annotations

import io

import pytest
from django.utils import translation

from huiyin.cases.models import Case, Clock
from huiyin.org.roles import Role
from huiyin.reports.ledgers.export import write_ledger
from huiyin.reports.ledgers.petitions import PETITION_COLUMNS
from huiyin.reports.tests.test_ledger_import import TODAY, day, row, run


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture
def clerk(personas):
    return personas[Role.PETITION_CLERK]


def sheet(rows: list[dict], extra: dict[str, str]) -> io.BytesIO:
    """The office's columns and `extra` columns ({header in the sheet: key in the rows}), the
    extra ones written under the header an office might use."""
    headers = [*PETITION_COLUMNS, *extra]
    out = io.BytesIO()
    write_ledger(
        out,
        title="信访台账",
        subtitle="填报单位：测试",
        columns=tuple((h, 12, "text") for h in headers),
        rows=[
            [r.get(c) for c in PETITION_COLUMNS] + [r.get(key) for key in extra.values()]
            for r in rows
        ],
    )
    out.seek(0)
    return out


ALL = {
    "告知时间": "告知日期",
    "告知方式": "告知方式",
    "送达时间": "送达日期",
    "送达方式": "送达方式",
    "复查机关": "复查机关",
    "复核机关": "复核机关",
}


def petitions() -> dict[str, Case]:
    return {c.title: c for c in Case.objects.filter(kind="petition").select_related("petition")}


def test_it_reads_the_variants_and_chinese_labels_and_starts_the_clocks_from_them(clerk):
    rows = [
        row(信访事项="受理后书面告知", 告知日期=day(26), 告知方式="书面告知"),
        row(
            序号=2,
            信访人="李四",
            身份证号="",
            信访事项="答复后邮寄送达",
            办理状态="已答复",
            告知日期=day(30),
            告知方式="当场告知",
            答复日期=day(20),
            送达日期=day(17),
            送达方式="邮寄",
            复查机关="区信访局",
        ),
        row(
            序号=3,
            信访人="王五",
            身份证号="",
            信访事项="当面送达未写日期",
            办理状态="已答复",
            答复日期=day(20),
            送达方式="当面送达",
            复查机关="本街道",
            复核机关="区人民政府",
        ),
    ]
    report = run(sheet(rows, ALL), clerk)
    assert report.ok, report.errors
    found = petitions()

    told = found["受理后书面告知"]
    assert told.petition.notice_told_on == day(26) and told.petition.notice_manner == "written"
    notice = Clock.objects.get(case=told, code="acceptance_notice")
    assert notice.stopped_on == day(26) and notice.outcome == "met"

    posted = found["答复后邮寄送达"].petition
    assert (posted.notice_told_on, posted.notice_manner) == (day(30), "in_person")
    assert posted.reply_delivered_on == day(17)
    assert (posted.reply_delivery, posted.reply_delivered_manner) == ("post", "post")
    assert posted.review_body == "district_petition_bureau"
    # The review window (art. 35) runs from the delivery, not from the reply.
    window = Clock.objects.get(case=posted.case, code="review_request")
    assert window.started_on == day(17)

    by_hand = found["当面送达未写日期"].petition
    # Handed over in person with no date: received the day of the reply (as the workflow has it).
    assert by_hand.reply_delivered_on == day(20)
    assert (by_hand.review_body, by_hand.reexam_body) == ("street", "district_government")


def test_a_reply_by_phone_has_no_delivery_and_opens_no_review_window(clerk):
    rows = [row(办理状态="已答复", 答复日期=day(20), 送达方式="电话")]
    report = run(sheet(rows, ALL), clerk)
    assert report.ok, report.errors
    case = Case.objects.get(kind="petition")
    assert case.petition.reply_delivery == "phone"
    assert case.petition.reply_delivered_on is None
    assert not Clock.objects.filter(case=case, code="review_request").exists()


def test_an_empty_notice_cell_is_a_petitioner_not_yet_told(clerk):
    """With the column, an empty 告知日期 is "not told": the notice clock runs (and is late);
    a written reply told them at the latest."""
    rows = [
        row(信访事项="已受理未告知"),
        row(
            序号=2,
            信访人="李四",
            身份证号="",
            信访事项="已答复",
            办理状态="已答复",
            答复日期=day(10),
        ),
    ]
    report = run(sheet(rows, ALL), clerk)
    assert report.ok, report.errors
    found = petitions()
    waiting = found["已受理未告知"]
    notice = Clock.objects.get(case=waiting, code="acceptance_notice")
    assert notice.stopped_at is None and notice.due_on < TODAY()
    assert waiting.due_on == notice.due_on  # the nearest office due date: overdue
    replied = Clock.objects.get(case=found["已答复"], code="acceptance_notice")
    assert replied.stopped_on == day(10)


def test_a_sheet_without_the_columns_imports_as_before(clerk):
    from huiyin.reports.tests.test_ledger_import import ledger

    report = run(ledger([row(办理状态="已答复", 答复日期=day(20))]), clerk)
    assert report.ok, report.errors
    case = Case.objects.select_related("petition").get(kind="petition")
    # Told on the decision day, the review window from the reply.
    assert case.petition.notice_told_on == day(28)
    assert Clock.objects.get(case=case, code="acceptance_notice").stopped_on == day(28)
    assert Clock.objects.get(case=case, code="review_request").started_on == day(20)
    assert case.petition.reply_delivered_on is None


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"告知日期": day(31)}, "告知日期", "登记日期"),
        ({"告知方式": "书面", "办理状态": "已登记", "受理日期": None}, "告知方式", "受理日期"),
        ({"告知方式": "托梦"}, "告知方式", "书面"),
        ({"办理状态": "已答复", "答复日期": day(20), "送达日期": day(21)}, "送达日期", "答复日期"),
        ({"送达日期": day(20)}, "送达日期", "答复日期"),
        (
            {"办理状态": "已答复", "答复日期": day(20), "送达日期": day(19), "送达方式": "电话"},
            "送达日期",
            "art. 35",
        ),
        ({"复查机关": "区信访局"}, "复查机关", "答复日期"),
        ({"办理状态": "已答复", "答复日期": day(20), "复核机关": "区政府"}, "复核机关", "复查机关"),
        ({"复查机关": "居委会", "办理状态": "已答复", "答复日期": day(20)}, "复查机关", "区信访局"),
    ],
)
def test_it_refuses_contradicting_notice_and_delivery_cells(clerk, overrides, column, reason):
    report = run(sheet([row(**overrides)], ALL), clerk)
    assert not report.ok and report.imported == 0
    assert [e.column for e in report.errors] == [column], report.errors
    assert reason in report.errors[0].reason
    assert not Case.objects.exists()


def test_the_row_errors_are_in_chinese_for_a_chinese_reader(clerk):
    with translation.override("zh-hans"):
        report = run(sheet([row(告知日期=day(31))], ALL), clerk)
    [error] = report.errors
    assert error.column == "告知日期"
    assert "不能早于" in error.reason, error.reason
