"""`huiyin document <name> --case <number> --out FILE.docx [--doc-number 文号]`, `huiyin document
--list`.

Writes one document of a case (受理告知书, 处理意见书…; ``--list`` names them) in the GB/T 9704
layout of huiyin.reports.documents. The command line sees every case, as the other commands do;
every document written is recorded in the audit trail ("document.export", the case as target).
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

from huiyin.cases.kinds import Kind
from huiyin.cases.models import Case
from huiyin.privacy import audit
from huiyin.reports import documents

#: 浓洄信〔2026〕0042号: a street's short name, the kind's letter, 〔year〕, a sequence number.
NUMBER_SHAPE = re.compile(r"^\w{0,20}?〔\d{4}〕\d{1,6}号$")
#: The longest case number (the field's length).
NUMBER_MAX = 40


class Refused(Exception):
    """Bad input on the command line: the message is for the operator."""


def find_case(text: str) -> Case:
    number = unicodedata.normalize("NFC", (text or "").strip())
    if not number or len(number) > NUMBER_MAX or not NUMBER_SHAPE.match(number):
        raise Refused(
            _("“%(number)s” is not a case number: write it as on the case, e.g. %(example)s.")
            % {"number": text, "example": "浓洄信〔2026〕0042号"}
        )
    case = (
        Case.objects.select_related("street", "community", "grid", "category", "owner_unit")
        .filter(number=number, kind=Kind.PETITION)
        .first()
    )
    if case is None:
        raise Refused(_("There is no petition numbered “%(number)s”.") % {"number": number})
    return case


def _names() -> str:
    return "、".join(spec.name for spec in documents.all_documents())


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

    def handle(self, *args, name, list_documents, case, out, doc_number, **options):
        if list_documents:
            for spec in documents.all_documents():
                flags = _("names the petitioner") if spec.names_person else ""
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
            found = find_case(case)
            data = documents.render(spec, found, doc_number=doc_number)
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
        with transaction.atomic():
            audit.record(
                "document.export",
                target=found,
                diff={
                    "document": spec.name,
                    "fields": list(spec.fields),
                    "via": "command line",
                },
            )
        self.stdout.write(
            _("%(document)s written to %(path)s.") % {"document": spec.name, "path": out}
        )
