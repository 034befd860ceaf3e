"""The campaign report's sections: one module per kind of case, composed by one report.

Map
===

* ``base.py`` — what every section shares: :class:`~huiyin.reports.sections.base.Placeholder`
  (a template field), the lists, :class:`~huiyin.reports.sections.base.Part` (what goes
  under a heading of the built-in report), :class:`~huiyin.reports.sections.base.Section`,
  :class:`~huiyin.reports.sections.base.ReportData`, the registry, and how counts, rates and
  dates are written (``chinese_count``, ``chinese_rate``).
* ``petitions.py`` — the petitions' placeholders (接访人次, 越级上访批次 …), lists (社区情况,
  超期事项 …) and headings (总体情况, “三零”目标, 各社区情况, 超期未办结事项).
* ``disputes.py`` — the disputes' and the weekly screening's placeholders (调处矛盾纠纷件数,
  排查矛盾纠纷件数, 化解矛盾纠纷件数 …), lists, and their paragraphs under 总体情况 and
  各社区情况.
* ``incidents.py`` — the incidents', risk notes', patrols' and rectifications' placeholders
  (非正常死亡事件起数, 火警起数 …, the speech's 成功处置了 起非正常死亡事件和 起火警), the 四无
  goals, and their paragraphs under 总体情况 and “三零”目标.
* The report itself — gathering, the template context, the built-in document, TEMPLATES.md —
  is :mod:`huiyin.reports.word`; an office's own template is checked and filled in the
  sandbox of :mod:`huiyin.reports.word_template`.

How a kind plugs in
===================

A kind adds ``sections/<kind>.py`` that registers a ``Section`` when imported (the registry
imports every module of this package before it answers)::

    from huiyin.reports import docx_layout as gb
    from huiyin.reports.sections.base import Part, Placeholder, Section, chinese_count, register

    def _write(doc, data):                       # data.figures is stats.compute(...)
        d = data.figures["disputes"]
        gb.add_paragraph(doc, f"排查各类矛盾纠纷{chinese_count(d['registered'])}件，"
                              f"化解{chinese_count(d['resolved'])}件。")

    SECTION = register(Section(
        key="disputes",
        order=20,
        placeholders=(
            Placeholder("排查矛盾纠纷件数", "disputes.registered", "int", "排查各类矛盾纠纷（件）"),
            Placeholder("化解矛盾纠纷件数", "disputes.resolved", "int", "化解（件）"),
        ),
        parts=(Part(15, "总体情况", _write),),   # under the petitions' 总体情况 heading
    ))

A placeholder's ``path`` is a key of ``huiyin stats --json`` (the kind's figures registered
with :mod:`huiyin.reports.stats`), so the report, the dashboard and the command line always
agree. ``lists`` with ``rows(data)`` add tables for templates; ``gather(period, user=,
community=, today=)`` fetches what a section lists beyond the figures (kept in
``data.found[key]``). A new section's placeholders appear in TEMPLATES.md: regenerate it with
``word.placeholders_markdown()`` (a test compares them). Nothing in the report changes for a
new kind.
"""
