"""An office's own Word template for the campaign report: checked, then filled in a sandbox.

    check_template(upload)                        # at upload: ReportTemplateError if unusable
    render_template(template, context, out)       # filled with huiyin.reports.word's context

A template may name the placeholders and lists of every section of the report
(:mod:`huiyin.reports.sections`), listed in TEMPLATES.md, and nothing else.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import jinja2
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from jinja2 import meta, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from huiyin.reports.sections import base as sections

__all__ = [
    "TEMPLATE_FILTERS",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_MAX_PARTS",
    "TEMPLATE_MAX_UNPACKED",
    "ReportTemplateError",
    "TemplateSandbox",
    "check_template",
    "known_names",
    "plain",
    "render_template",
]

MSG_TEMPLATE_SYNTAX = _("The template has an error near line {line}: {detail}")
MSG_TEMPLATE_UNKNOWN = _(
    "The template uses a placeholder Huiyin does not know: {detail}. The placeholders are "
    "listed in TEMPLATES.md."
)
MSG_TEMPLATE_FILE = _("The template is not a Word document (.docx). Save it as .docx first.")
MSG_TEMPLATE_FAILED = _("The template could not be filled: {detail}")
MSG_TEMPLATE_FORBIDDEN = _(
    "The template was refused: it uses {detail}, which a report template may not use. A "
    "template may only show the placeholders and lists in TEMPLATES.md, with the filters "
    "listed there."
)
MSG_TEMPLATE_TOO_LARGE = _(
    "The template is too large: a Word template may be at most {size} MB, and at most "
    "{unpacked} MB once unpacked."
)


class ReportTemplateError(Exception):
    """A user-supplied template cannot be used; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# ------------------------------------------------------------------------------ templates
#
# A template is code that runs on the server, handed in by a user: it is rendered only in a
# sandbox (ImmutableSandboxedEnvironment) with no globals, a short list of filters, no
# attribute but the keys of the data, and a context of plain data (`plain()`). Before
# anything runs, every part docxtpl will render is parsed and checked (`_check_tree`), so a
# template that reaches for anything else is refused with a message, at upload and again
# when it is filled.

#: The largest template accepted, as uploaded and once its parts are unpacked (zip bombs).
TEMPLATE_MAX_BYTES = 10 * 1024 * 1024
TEMPLATE_MAX_UNPACKED = 50 * 1024 * 1024
TEMPLATE_MAX_PARTS = 2000

#: The filters a template may use; anything else (attr, map, pprint, random...) is refused.
TEMPLATE_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "e",
    "escape",
    "first",
    "float",
    "format",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
)

#: Names no template may mention, even as its own variables: Jinja's globals, the template
#: itself, and what escapes from other template engines reach for.
FORBIDDEN_NAMES = frozenset(
    {
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "range",
        "dict",
        "self",
        "config",
        "request",
        "settings",
        "os",
        "sys",
        "builtins",
        "globals",
        "locals",
        "getattr",
        "eval",
        "exec",
        "open",
        "import",
    }
)
#: Attributes refused outright (besides every name starting with "_").
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "func_globals", "f_globals"})
#: What a template may read as an attribute (everything else on data is a key of a dict).
_LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0"}
)
_DICT_METHODS = frozenset({"items", "keys", "values", "get"})
#: "%" conversions the format filter and operator accept: flags, a width and precision of
#: at most two digits, and s d i f % (no "%(name)s" lookups, no huge widths).
_PERCENT_SPEC = re.compile(r"%(?:%|[-+ 0#]{0,3}\d{0,2}(?:\.\d{1,2})?[sdif])")
#: Bounds of what a template's arithmetic may build.
_MAX_EXPONENT = 64
_MAX_REPEAT = 10_000


def plain(value: Any, *, _depth: int = 0) -> Any:
    """`value` as plain data for a user's template: dict, list, str, int, float, bool, None.

    Decimals and dates become text; lazy translations become their text; str and int
    subclasses (choices, safe strings) become exact str and int. Anything else (a model, a
    queryset, a module, a function) is refused with TypeError: a template never gets an
    object to reach through.
    """
    if _depth > 20:
        raise TypeError("Report context nested too deep")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)  # an exact str, not SafeString or a choices member
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str.__str__(str(value))
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"Report context key {key!r} is not text")
            result[str.__str__(key)] = plain(item, _depth=_depth + 1)
        return result
    if isinstance(value, list | tuple):
        return [plain(item, _depth=_depth + 1) for item in value]
    raise TypeError(f"Report context holds a {type(value).__name__}, not plain data")


def _plain_scalar(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise jinja2.exceptions.SecurityError(f"format of a {type(value).__name__}")


def _percent(text: Any, args: Any) -> str:
    """`text % args`, for texts whose conversions are all plain (see _PERCENT_SPEC)."""
    if not isinstance(text, str):
        raise jinja2.exceptions.SecurityError("format of something that is not text")
    rest = _PERCENT_SPEC.sub("", text)
    if "%" in rest:
        raise jinja2.exceptions.SecurityError("a format string")
    if isinstance(args, tuple | list):
        args = tuple(_plain_scalar(arg) for arg in args)
    else:
        args = _plain_scalar(args)
    return text % args


def _format_filter(value: Any, *args: Any) -> str:
    """The format filter, "%" style only: ``{{ "%.1f"|format(rate * 100) }}``."""
    return _percent(str(value) if isinstance(value, jinja2.Undefined) else value, args)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The only environment user templates are rendered in (see the section's comment)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self):
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self.globals.clear()
        default = self.filters
        self.filters = {name: default[name] for name in TEMPLATE_FILTERS}
        self.filters["format"] = _format_filter

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, LoopContext):
            return attr in _LOOP_ATTRIBUTES
        if isinstance(obj, dict):
            return attr in _DICT_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        return None  # no str.format / format_map: they are refused as attributes

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            return _percent(left, right) if isinstance(left, str) else left % right
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > _MAX_EXPONENT:
                raise jinja2.exceptions.SecurityError("a power that large")
            return left**right
        for seq, times in ((left, right), (right, left)):
            repeated = isinstance(seq, str | list | tuple) and isinstance(times, int)
            if repeated and len(seq) * times > _MAX_REPEAT:
                raise jinja2.exceptions.SecurityError("a repetition that long")
        return left * right

    def from_string(self, source, globals=None, template_class=None):
        """Parse, check (`_check_tree`) and only then compile what docxtpl hands over."""
        tree = self.parse(source) if isinstance(source, str) else source
        _check_tree(self, tree)
        return super().from_string(tree, globals, template_class)


def known_names() -> frozenset[str]:
    """The top-level names a template may use: the placeholders, the lists and `stats`."""
    names = {"stats"}
    placeholders = sections.placeholders()
    names.update(p.name for p in placeholders)
    names.update(p.alias for p in placeholders)
    for name, alias, _keys in sections.lists():
        names.update((name, alias))
    return frozenset(names)


def _forbidden(detail: str) -> ReportTemplateError:
    return ReportTemplateError(format_lazy(MSG_TEMPLATE_FORBIDDEN, detail=detail))


def _check_tree(env: jinja2.Environment, tree: nodes.Template) -> None:
    """Refuse a parsed template that reaches beyond the report's plain data."""
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise _forbidden(f"{{% {type(node).__name__.lower()} %}}")
    for node in tree.find_all(nodes.Name):
        if node.name.startswith("_") or node.name in FORBIDDEN_NAMES:
            raise _forbidden(node.name)
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES:
            raise _forbidden(f".{node.attr}")
    for node in tree.find_all(nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        if isinstance(key, str) and (key.startswith("_") or key in FORBIDDEN_ATTRIBUTES):
            raise _forbidden(f"[{key!r}]")
    for node in tree.find_all(nodes.Const):
        # Names of attributes handed to filters: sort(attribute="__class__").
        if isinstance(node.value, str) and node.value.startswith("__"):
            raise _forbidden(repr(node.value))
    for node in tree.find_all(nodes.Filter):
        if node.name not in env.filters:
            raise _forbidden(f"|{node.name}")
    for node in tree.find_all(nodes.Test):
        if node.name not in env.tests:
            raise _forbidden(f"is {node.name}")
    unknown = sorted(meta.find_undeclared_variables(tree) - known_names())
    if unknown:
        raise ReportTemplateError(format_lazy(MSG_TEMPLATE_UNKNOWN, detail="、".join(unknown)))


def _read_template(template: str | os.PathLike | IO[bytes]) -> io.BytesIO:
    """The template's bytes, once they are known to be a .docx of a bounded size."""
    too_large = ReportTemplateError(
        format_lazy(
            MSG_TEMPLATE_TOO_LARGE,
            size=TEMPLATE_MAX_BYTES // (1024 * 1024),
            unpacked=TEMPLATE_MAX_UNPACKED // (1024 * 1024),
        )
    )
    if isinstance(template, str | os.PathLike):
        if os.path.getsize(template) > TEMPLATE_MAX_BYTES:
            raise too_large
        with open(template, "rb") as handle:
            content = handle.read(TEMPLATE_MAX_BYTES + 1)
    else:
        template.seek(0)
        content = template.read(TEMPLATE_MAX_BYTES + 1)
    if len(content) > TEMPLATE_MAX_BYTES:
        raise too_large
    buffer = io.BytesIO(content)
    try:
        with zipfile.ZipFile(buffer) as archive:
            entries = archive.infolist()
            if "word/document.xml" not in {entry.filename for entry in entries}:
                raise ReportTemplateError(MSG_TEMPLATE_FILE)
            # The sizes a zip declares bound what zipfile will unpack of each part.
            unpacked = sum(entry.file_size for entry in entries)
            if len(entries) > TEMPLATE_MAX_PARTS or unpacked > TEMPLATE_MAX_UNPACKED:
                raise too_large
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise ReportTemplateError(MSG_TEMPLATE_FILE) from None
    buffer.seek(0)
    return buffer


def render_template(template, context: dict, out) -> None:
    """Fill a docxtpl template in the sandbox with `plain(context)`; a broken or unsafe
    template raises ReportTemplateError, never a trace."""
    from docxtpl import DocxTemplate

    context = plain(context)
    source = _read_template(template)
    try:
        document = DocxTemplate(source)
        document.render(context, jinja_env=TemplateSandbox(), autoescape=True)
        document.save(out)
    except ReportTemplateError:
        raise
    except jinja2.exceptions.SecurityError as exc:
        raise _forbidden(str(exc.message or exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_SYNTAX, line=exc.lineno or "?", detail=exc.message or "")
        ) from None
    except jinja2.UndefinedError as exc:
        raise ReportTemplateError(format_lazy(MSG_TEMPLATE_UNKNOWN, detail=exc.message)) from None
    except Exception as exc:  # noqa: BLE001 - a user's template: a message, never a trace
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_FAILED, detail=str(exc) or type(exc).__name__)
        ) from None


#: The document properties docxtpl fills (DocxTemplate.render_properties).
_TEMPLATE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _template_sources(document) -> list[str]:
    """The Jinja source of every part docxtpl renders: body, headers, footers, footnotes and
    properties, patched as docxtpl patches them (its tags split across Word's runs joined)."""
    document.init_docx()
    sources = [document.patch_xml(document.get_xml())]
    for uri in (document.HEADER_URI, document.FOOTER_URI):
        for _key, part in document.get_headers_footers(uri):
            sources.append(document.patch_xml(document.get_part_xml(part)))
    for part in document.docx.part.package.iter_parts():
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append(document.patch_xml(blob))
    properties = document.docx.core_properties
    sources += [getattr(properties, name) or "" for name in _TEMPLATE_PROPERTIES]
    return sources


def check_template(template: str | os.PathLike | IO[bytes]) -> None:
    """Refuse (ReportTemplateError) a template that is broken, too large or unsafe.

    Every part docxtpl renders is parsed, checked (`_check_tree`) and compiled; nothing of
    the template runs. For the upload form and the command line, before any counting; the
    sandbox checks each part again when the template is filled.
    """
    from docxtpl import DocxTemplate

    source = _read_template(template)
    env = TemplateSandbox()
    try:
        for text in _template_sources(DocxTemplate(source)):
            env.from_string(text)
    except ReportTemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_SYNTAX, line=exc.lineno or "?", detail=exc.message or "")
        ) from None
    except Exception as exc:  # noqa: BLE001 - a user's file: a message, never a trace
        raise ReportTemplateError(
            format_lazy(MSG_TEMPLATE_FAILED, detail=str(exc) or type(exc).__name__)
        ) from None
