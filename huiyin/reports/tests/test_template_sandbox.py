"""An office's Word template is code run on the server: it runs in a sandbox, on plain data.

Every known way out of a Jinja2 template is tried on every path a template takes (the upload
form, the report job filling a template already stored, the command line): each is refused
with the message for a forbidden template, and nothing of the server shows in what comes back.
"""

from __future__ import annotations

import io
import os
import types
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from docx import Document

from huiyin.org.models import Community
from huiyin.org.roles import Role
from huiyin.reports import jobs, stats, word
from huiyin.reports.views import word as word_views

#: Refused by the check of every part, before anything of the template runs.
CHECKED = [
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''|attr('__class__') }}",
    "{{ '{0.__class__}'.format(受理批次) }}",
    "{{ '{0}'.format(受理批次) }}",
    "{{ '%s'|format(''.__class__.__mro__) }}",
    "{{ '%s' % lipsum }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ self.__init__.__globals__ }}",
    "{{ self }}",
    "{{ config }}",
    "{{ request }}",
    "{{ range(10) }}",
    "{{ __import__('os').popen('id').read() }}",
    "{{ 受理批次.__class__ }}",
    "{{ stats['__class__'] }}",
    "{{ stats.get.__self__ }}",
    "{{ 社区情况|sort(attribute='__class__')|join }}",
    "{{ 社区情况|join(attribute='__init__') }}",
    "{% include 'x' %}",
    "{% import 'x' as x %}",
]
#: Refused only when filled: what they reach for is made up at run time.
AT_RUN_TIME = [
    "{{ stats['_' ~ '_class__'] }}",
    "{{ '%(x)s'|format(受理批次) }}",
    "{{ 受理批次.join(受理批次) }}",
    "{{ 社区情况.pop() }}",
    "{{ '%999999999s'|format(1) }}",
    "{{ 9 ** 999999999 }}",
    "{{ 'x' * 100000000 }}",
]
PAYLOADS = CHECKED + AT_RUN_TIME


@pytest.fixture(autouse=True)
def _sync_jobs(settings):
    settings.HUIYIN_JOBS_SYNC = True


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def period() -> stats.Period:
    today = timezone.localdate()
    return stats.Period(today - timedelta(days=60), today)


def docx_with(paragraphs: list[str], *, header: str = "", title: str = "") -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if title:
        doc.core_properties.title = title
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def forbidden_prefixes() -> list[str]:
    """The start of the refusal, in the languages a message may come in."""
    prefixes = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            prefixes.append(str(word.MSG_TEMPLATE_FORBIDDEN).split("{detail}")[0])
    return prefixes


def assert_refused(text: str) -> None:
    assert any(prefix in text for prefix in forbidden_prefixes()), text
    assert_nothing_leaked(text)


def assert_nothing_leaked(text: str) -> None:
    assert "uid=" not in text
    assert f"uid={os.getuid()}" not in text
    assert "Traceback" not in text
    assert "<class" not in text and "&lt;class" not in text
    assert "__globals__" not in text or "{{" in text  # only as the template's own text
    from django.conf import settings

    assert settings.SECRET_KEY not in text


def fill(content: bytes) -> bytes:
    out = io.BytesIO()
    word.campaign_report(out, period=period(), template=io.BytesIO(content))
    return out.getvalue()


def document_text(raw: bytes) -> str:
    doc = Document(io.BytesIO(raw))
    parts = [p.text for p in doc.paragraphs]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    parts.append(doc.core_properties.title or "")
    for table in doc.tables:
        for row in table.rows:
            parts.append("|".join(cell.text for cell in row.cells))
    return "\n".join(parts)


# --------------------------------------------------------------------------- the sandbox


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_refuses_every_escape_when_filling(db, payload):
    with pytest.raises(word.ReportTemplateError) as refused:
        fill(docx_with([f"共{{{{ 受理批次 }}}}批。{payload}"]))
    assert_refused(str(refused.value.message))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_refuses_every_escape_when_checking_an_upload(payload):
    content = docx_with([payload])
    try:
        word.check_template(io.BytesIO(content))
    except word.ReportTemplateError as refused:
        assert_refused(str(refused.message))
    else:
        # Only what is made up at run time passes the check; filling refuses it (above).
        assert payload in AT_RUN_TIME


@pytest.mark.parametrize(
    "where", [{"header": PAYLOADS[0]}, {"title": PAYLOADS[0]}, {"header": PAYLOADS[4]}]
)
def test_it_checks_headers_and_document_properties_too(db, where):
    content = docx_with(["{{ 受理批次 }}"], **where)
    with pytest.raises(word.ReportTemplateError) as refused:
        word.check_template(io.BytesIO(content))
    assert_refused(str(refused.value.message))
    with pytest.raises(word.ReportTemplateError) as refused:
        fill(content)
    assert_refused(str(refused.value.message))


def test_the_sandbox_has_no_globals_and_few_filters():
    env = word.TemplateSandbox()
    assert dict(env.globals) == {}
    assert "attr" not in env.filters and "map" not in env.filters
    assert set(env.filters) == set(word.TEMPLATE_FILTERS)
    assert env.autoescape is True


def test_a_legitimate_template_still_renders(db, community):
    content = docx_with(
        [
            "{{ 单位名称 }}：{{ 统计时段 }}共受理{{ 受理批次 }}批{{ 受理人次 }}人次。",
            "{% for 行 in 社区情况 %}{{ loop.index }}.{{ 行.社区 }}{{ 行.批次 }}批；{% endfor %}",
            "比例={{ '%.1f'|format(stats.petitions.batches * 100) }}%",
            "{% if stats.petitions.on_time_rate is none %}无按期率{% endif %}",
            "{% for k, v in stats.petitions.by_channel.items() %}{{ k }}{% endfor %}",
            "{{ 受理批次|int + 1 }}|{{ communities|length }}|{{ '%d件' % stats.petitions.batches }}",
            "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(stats['petitions']['batches']) }}",
            "半={{ '%.1f'|format(stats.petitions.batches / 2) }}",
        ]
    )
    word.check_template(io.BytesIO(content))
    text = document_text(fill(content))
    figures = stats.compute(period())
    batches = figures["petitions"]["batches"]
    assert f"共受理{batches}批" in text
    assert f"1.{community.name}" in text
    assert f"比例={batches * 100:.1f}%" in text
    assert "visit" in text and "letter" in text
    assert f"{batches + 1}|" in text and f"|{batches}件" in text
    assert f"<{batches}>" in text and f"半={batches / 2:.1f}" in text
    assert "{{" not in text


def test_it_escapes_data_for_the_document_xml(db, community):
    Community.objects.filter(pk=community.pk).update(name="东<风>&社区")
    text = document_text(fill(docx_with(["{% for 行 in 社区情况 %}[{{ 行.社区 }}]{% endfor %}"])))
    assert "[东<风>&社区]" in text


def test_an_unknown_placeholder_is_named_not_forbidden():
    with pytest.raises(word.ReportTemplateError) as refused:
        word.check_template(io.BytesIO(docx_with(["{{ 受理批 }}"])))
    assert "受理批" in str(refused.value.message)
    assert not any(p in str(refused.value.message) for p in forbidden_prefixes())


# --------------------------------------------------------------------------- plain data


def test_plain_turns_the_context_into_plain_data():
    class Level(str):
        pass

    value = word.plain(
        {
            "a": Decimal("1.50"),
            "b": date(2026, 9, 8),
            "c": mark_safe("<b>"),
            "d": gettext_lazy("Enter a date."),
            "e": (1, 2.5, True, None),
            "f": Level("x"),
        }
    )
    assert value == {
        "a": "1.50",
        "b": "2026-09-08",
        "c": "<b>",
        "d": str(gettext_lazy("Enter a date.")),
        "e": [1, 2.5, True, None],
        "f": "x",
    }
    assert type(value["c"]) is str and type(value["f"]) is str


@pytest.mark.parametrize(
    "bad", [os, types.SimpleNamespace(), print, lambda: 1, object(), {1: "x"}, {"x": {1, 2}}]
)
def test_plain_refuses_objects(bad):
    with pytest.raises(TypeError):
        word.plain({"x": bad})


def test_plain_refuses_models_and_querysets(db, community):
    for bad in (community, Community.objects.all()):
        with pytest.raises(TypeError):
            word.plain({"x": bad})


def test_the_report_context_is_plain_already(db, community):
    data = word.gather(period())
    context = word.build_context(data)
    assert word.plain(context) == context


# --------------------------------------------------------------------------- size


def test_it_refuses_a_zip_bomb():
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_with(["x"]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("word/media/bomb.bin", b"\0" * (word.TEMPLATE_MAX_UNPACKED + 1))
    assert len(out.getvalue()) < word.TEMPLATE_MAX_BYTES
    with pytest.raises(word.ReportTemplateError) as refused:
        word.check_template(out)
    assert "MB" in str(refused.value.message)


def test_it_refuses_a_file_too_large():
    with pytest.raises(word.ReportTemplateError) as refused:
        word.check_template(io.BytesIO(b"\0" * (word.TEMPLATE_MAX_BYTES + 1)))
    assert "MB" in str(refused.value.message)


# --------------------------------------------------------------------------- the page


def post_template(client, content: bytes, name: str = "模板.docx"):
    p = period()
    return client.post(
        reverse("reports:word"),
        {
            "period": "custom",
            "from": p.start.isoformat(),
            "to": p.end.isoformat(),
            "template": SimpleUploadedFile(name, content),
        },
    )


@pytest.mark.parametrize("payload", CHECKED)
def test_the_upload_form_refuses_every_escape(client, personas, payload):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    response = post_template(client, docx_with([payload]))
    assert response.status_code == 200  # the form again, with the message beside the field
    page = response.content.decode()
    assert 'data-error-for="template"' in page
    assert_refused(page)


def test_the_upload_form_refuses_a_zip_bomb_and_a_broken_template(client, personas):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    page = post_template(client, docx_with(["{{ 受理批次 "])).content.decode()
    assert 'data-error-for="template"' in page and "Traceback" not in page


def test_a_stored_template_is_refused_by_the_report_job(client, personas, settings):
    """A template that got past the form (stored before the check) is refused when filled."""
    user = personas[Role.GOVERNANCE_STAFF]
    for payload in (PAYLOADS[0], PAYLOADS[4], "{{ stats['_' ~ '_class__'] }}"):
        job = jobs.prepare(user, "word", "report")
        stored = jobs.job_dir(job.id) / "template.docx"
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(docx_with([payload]))
        p = period()
        jobs.launch(
            job,
            word_views._run_report,
            user=user,
            start=p.start,
            end=p.end,
            community_id=None,
            campaign_id=None,
            template_path=str(stored),
        )
        job = jobs.load(job.id)
        assert job.state == jobs.FAILED
        assert_refused(job.message)
        assert not stored.exists()
        client.force_login(user)
        page = client.get(reverse("reports:job", args=[job.id])).content.decode()
        assert_refused(page)


def test_the_permitted_role_fills_a_legitimate_upload(client, personas, community):
    client.force_login(personas[Role.GOVERNANCE_STAFF])
    page = client.get(reverse("reports:word")).content.decode()
    assert 'name="template"' in page
    content = docx_with(["共{{ 受理批次 }}批，{{ '%.1f'|format(stats.petitions.batches) }}"])
    response = post_template(client, content)
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").split("/")[-1]
    assert jobs.load(job_id).state == jobs.DONE


def test_roles_without_the_permission_may_not_upload(client, personas):
    for role in (Role.PETITION_CLERK, Role.LEADER):
        client.force_login(personas[role])
        page = client.get(reverse("reports:word")).content.decode()
        assert 'id="word-form"' in page
        assert 'name="template"' not in page
        assert post_template(client, docx_with(["{{ 受理批次 }}"])).status_code == 403
        assert post_template(client, docx_with([PAYLOADS[0]])).status_code == 403
    client.force_login(personas[Role.AUDITOR])
    assert post_template(client, docx_with(["{{ 受理批次 }}"])).status_code == 403


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize(
    "payload", [PAYLOADS[0], PAYLOADS[4], PAYLOADS[12], "{{ 9 ** 999999999 }}"]
)
def test_the_command_line_refuses_every_escape(db, tmp_path, capsys, payload):
    template = tmp_path / "模板.docx"
    template.write_bytes(docx_with([payload]))
    out = tmp_path / "out.docx"
    p = period()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "report",
            "campaign",
            "--from",
            p.start.isoformat(),
            "--to",
            p.end.isoformat(),
            "--template",
            str(template),
            "--out",
            str(out),
        )
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert_refused(captured.err)
    assert_nothing_leaked(captured.out)
    assert not out.exists() or "uid=" not in document_text(out.read_bytes())


def test_docxtpl_row_tags_still_fill_tables(db, community):
    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "{%tr for 行 in 社区情况 %}"
    table.rows[1].cells[0].text = "{{ 行.社区 }}"
    table.rows[1].cells[1].text = "{{ 行.批次 }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    out = io.BytesIO()
    doc.save(out)
    word.check_template(io.BytesIO(out.getvalue()))
    filled = Document(io.BytesIO(fill(out.getvalue())))
    names = [row.cells[0].text for row in filled.tables[0].rows]
    assert community.name in names


def test_docxtpl_cell_tags_pass_the_upload_check(db):
    doc = Document()
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "{% colspan 2 %}{{ 受理批次 }}"
    out = io.BytesIO()
    doc.save(out)
    word.check_template(io.BytesIO(out.getvalue()))
    assert "{{" not in document_text(fill(out.getvalue()))


def test_it_checks_footnotes_too(tmp_path):
    """A footnotes part (Word's own) holding a payload is refused on upload."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_with(["x"]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="'
                    + word._FOOTNOTES.encode()
                    + b'"/></Types>',
                )
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
                    b"</Relationships>",
                )
            target.writestr(item, data)
        target.writestr(
            "word/footnotes.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:footnote w:id="1"><w:p><w:r><w:t>{{ lipsum.__globals__ }}</w:t></w:r></w:p>'
            "</w:footnote></w:footnotes>",
        )
    with pytest.raises(word.ReportTemplateError) as refused:
        word.check_template(io.BytesIO(out.getvalue()))
    assert_refused(str(refused.value.message))
