"""`huiyin document <name> --case <number> --out FILE.docx [--doc-number 文号] [--session N]
[--visit N] [--report N]`, `huiyin document --list`.

Writes one document of a case (受理告知书, 处理意见书, 人民调解协议书…; ``--list`` names them) in
the GB/T 9704 layout of huiyin.reports.documents. The case is a petition (浓洄信〔2026〕0042号) or
a dispute (浓洄调〔2026〕0001号); a document of the other kind is refused. ``--session N`` picks
the Nth mediation session of a 调解笔录 and ``--visit N`` the Nth follow-up visit of a 回访记录
(default: the latest); ``--report N`` the Nth 续报 of an incident. The command line sees every
case, as the other commands do; every document written is recorded in the audit trail
("document.export", the case as target).
A document that does not fit the case's stage, an unknown case or a number of the wrong shape
gets one line in Chinese on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from huiyin.cases import bounds
from huiyin.cases.kinds import KINDS, Kind
from huiyin.cases.models import Case
from huiyin.privacy import audit
from huiyin.reports import documents
from huiyin.reports.documents.render import find_subject

#: 浓洄信〔2026〕0042号: a street's short name, the kind's letter, 〔year〕, a sequence number.
NUMBER_SHAPE = re.compile(r"^\w{0,20}?〔\d{4}〕\d{1,6}号$")
#: The longest case number (the field's length).
NUMBER_MAX = 40
#: The options a document may take ("session": the Nth session), and their largest value.
OPTIONS = ("session", "visit", "report")
OPTION_MAX = 10_000


class Refused(Exception):
    """Bad input on the command line: the message is for the operator."""


def find_case(text: str) -> Case:
    number = unicodedata.normalize("NFC", (text or "").strip())
    if not number or len(number) > NUMBER_MAX or not NUMBER_SHAPE.match(number):
        # A subject that is not numbered like a case (an annual report: 2025年度).
        other = find_subject(number) if number and len(number) <= NUMBER_MAX else None
        if other is not None:
            return other
        raise Refused(
            _("“%(number)s” is not a case number: write it as on the case, e.g. %(example)s.")
            % {"number": text, "example": "浓洄信〔2026〕0042号"}
        )
    kinds = {spec.kind for spec in documents.all_documents()}
    case = (
        Case.objects.select_related("street", "community", "grid", "category", "owner_unit")
        .filter(number=number, kind__in=kinds)
        .first()
    )
    if case is None:
        # A document whose subject is not a case (an inspection: 浓洄检〔2026〕0003号).
        case = find_subject(number)
    if case is None:
        raise Refused(_missing(number))
    return case


def _missing(number: str) -> str:
    """There is no such case; the kind named by the number's letter (信, 调) when it has one."""
    head = number.split("〔", 1)[0]
    kind = next((k for k, spec in KINDS.items() if head.endswith(spec.letter)), "")
    if kind == Kind.PETITION:
        return _("There is no petition numbered “%(number)s”.") % {"number": number}
    if kind == Kind.DISPUTE:
        return _("There is no dispute numbered “%(number)s”.") % {"number": number}
    return _("There is no case numbered “%(number)s”.") % {"number": number}


def _ordered() -> list:
    """The documents, petitions' first, then each kind's in the order of the kinds."""
    order = {kind: index for index, kind in enumerate(Kind.values)}
    return sorted(documents.all_documents(), key=lambda spec: order.get(spec.kind, len(order)))


def _names() -> str:
    return "、".join(spec.name for spec in _ordered())


def _flag(spec) -> str:
    if not spec.names_person:
        return ""
    if spec.kind == Kind.DISPUTE:
        return _("names the parties")
    return _("names the petitioner")


def _options(spec, given: dict) -> dict:
    """The chosen records (--session 2), checked: a positive number, of a document taking it."""
    chosen = {}
    for key, value in given.items():
        if value in (None, ""):
            continue
        if key not in spec.options:
            raise Refused(
                _("“%(document)s” takes no --%(option)s.") % {"document": spec.name, "option": key}
            )
        number = bounds.bounded_int(value, 1, OPTION_MAX)
        if number is None:
            raise Refused(
                _("--%(option)s takes a number from 1 to %(max)s.")
                % {"option": key, "max": OPTION_MAX}
            )
        chosen[key] = str(number)
    return chosen


class Command(BaseCommand):
    help = "Write a document of a case (a notice, a letter, a written opinion) as a Word file."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the document's name, e.g. 受理告知书")
        parser.add_argument(
            "--list", dest="list_documents", action="store_true", help="list the documents"
        )
        parser.add_argument("--case", metavar="NUMBER", help="the case number")
        parser.add_argument("--out", metavar="FILE.docx")
        parser.add_argument(
            "--doc-number",
            metavar="文号",
            default="",
            help="the outgoing document number of a letter (left blank to fill otherwise)",
        )
        parser.add_argument(
            "--session",
            metavar="N",
            help="the Nth mediation session (调解笔录; default: the latest)",
        )
        parser.add_argument(
            "--visit", metavar="N", help="the Nth follow-up visit (回访记录; default: the latest)"
        )
        parser.add_argument(
            "--report",
            metavar="N",
            help="the Nth follow-up report (突发事件续报; default: the latest)",
        )

    def handle(self, *args, name, list_documents, case, out, doc_number, **options):
        if list_documents:
            for spec in _ordered():
                flags = _flag(spec)
                self.stdout.write(f"{spec.name}\t{spec.label}" + (f"\t{flags}" if flags else ""))
            return
        try:
            if not name:
                raise Refused(
                    _("Name the document. The documents: %(names)s.") % {"names": _names()}
                )
            spec = documents.by_name(name)
            if spec is None:
                raise Refused(
                    _("Unknown document “%(name)s”. The documents: %(names)s.")
                    % {"name": name, "names": _names()}
                )
            if not case:
                raise Refused(_("Give the case number with --case."))
            if not out:
                raise Refused(_("Give the file to write with --out."))
            if len(doc_number) > 40:
                raise Refused(_("A document number has at most 40 characters."))
            chosen = _options(spec, {key: options.get(key) for key in OPTIONS})
            found = find_case(case)
            data = documents.render(spec, found, doc_number=doc_number, options=chosen)
        except documents.DocumentRefused as refused:
            self.stderr.write(refused.message)
            raise SystemExit(2) from None
        except Refused as refused:
            self.stderr.write(str(refused))
            raise SystemExit(2) from None
        target = Path(out)
        try:
            target.write_bytes(data)
        except OSError as exc:
            self.stderr.write(
                _("Cannot write %(path)s: %(reason)s") % {"path": out, "reason": exc.strerror}
            )
            raise SystemExit(2) from None
        # The record chosen ("session": "2") beside the document, as the case page records it.
        diff = {"document": spec.name, "fields": list(spec.fields), "via": "command line", **chosen}
        with transaction.atomic():
            audit.record("document.export", target=found, diff=diff)
        self.stdout.write(
            _("%(document)s written to %(path)s.") % {"document": spec.name, "path": out}
        )
