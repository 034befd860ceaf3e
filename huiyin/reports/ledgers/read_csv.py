"""A .csv ledger as an iterator of row tuples from row 1, within the limits.

UTF-8 with or without BOM, or GB18030; comma or tab. Used by
:func:`huiyin.reports.ledgers.read.read_rows`.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO

from django.utils.text import format_lazy
from openpyxl.utils import get_column_letter

from huiyin.reports.ledgers.limits import (
    MSG_CELL_TOO_LONG,
    MSG_CSV_BROKEN,
    MSG_CSV_NUL,
    MSG_CSV_TOO_LONG,
    MSG_ENCODING,
    MSG_TOO_MANY_ROWS,
    LedgerError,
    LedgerLimits,
    check_file_size,
    ledger_limits,
)


class _CsvSource:
    """A CSV file as rows of strings, within the limits: file size, line and cell length,
    rows; NUL bytes and undecodable text refused with a message naming the line."""

    format = "csv"
    sheet_name = None
    last_row_hint = None
    merged: list[tuple[int, int, int, int]] = []

    _SAMPLE = 1 << 16
    _SAMPLE_MAX = 1 << 20
    _CHUNK = 1 << 16

    def __init__(self, path_or_file, limits: LedgerLimits | None = None):
        self._limits = limits or ledger_limits()
        if isinstance(path_or_file, str | os.PathLike):
            self._file: IO = open(path_or_file, "rb")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._file = path_or_file
            self._owned = False
        try:
            check_file_size(self._file, self._limits)
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        read = self._file.read
        head = read(self._SAMPLE)
        if isinstance(head, str):  # a text stream: already decoded
            self.encoding = None
            sample = head
            rest: Iterator[str] = iter(lambda: read(self._CHUNK), "")
        else:
            head = bytes(head)
            # ASCII says nothing about the encoding: read on until a non-ASCII byte shows up.
            while head.isascii() and len(head) < self._SAMPLE_MAX:
                more = read(self._SAMPLE)
                if not more:
                    break
                head += more
            self.encoding = self._sniff_encoding(head)
            decoder = codecs.getincrementaldecoder(self.encoding)("strict")
            sample = decoder.decode(head)

            def decoded() -> Iterator[str]:
                while chunk := read(self._CHUNK):
                    yield decoder.decode(chunk)
                yield decoder.decode(b"", final=True)

            rest = decoded()
        newline = "\n" if "\n" in sample or "\r" not in sample else "\r"
        self.delimiter = self._sniff_delimiter(sample, newline)
        self._lines = self._split_lines(chain([sample], rest), newline, self._limits.max_line_chars)

    @staticmethod
    def _sniff_encoding(head: bytes) -> str:
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        for encoding in ("utf-8", "gb18030"):
            try:
                codecs.getincrementaldecoder(encoding)("strict").decode(head)
            except UnicodeDecodeError:
                continue
            return encoding
        raise LedgerError(MSG_ENCODING)

    @staticmethod
    def _sniff_delimiter(sample: str, newline: str) -> str:
        lines = sample.split(newline)[:20]
        tabs = max((line.count("\t") for line in lines), default=0)
        commas = max((line.count(",") for line in lines), default=0)
        return "\t" if tabs > commas else ","

    @staticmethod
    def _split_lines(chunks: Iterable[str], newline: str, max_line: int) -> Iterator[str]:
        """Lines of at most `max_line` characters, and no NUL; LedgerError naming the line."""
        pending = ""
        line = 0  # lines given out
        for chunk in chunks:
            if not chunk:
                continue
            if "\0" in chunk:
                before = pending + chunk[: chunk.index("\0")]
                row = line + before.count(newline) + 1
                raise LedgerError(format_lazy(MSG_CSV_NUL, row=row))
            if newline not in chunk:
                pending += chunk
                if len(pending) > max_line:
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line + 1, limit=max_line))
                continue
            parts = chunk.split(newline)
            parts[0] = pending + parts[0]
            pending = parts.pop()
            for part in parts:
                line += 1
                if len(part) > max_line:
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line, limit=max_line))
                yield part + newline
            if len(pending) > max_line:
                raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line + 1, limit=max_line))
        if pending:
            yield pending

    def rows(self) -> Iterator[list[str]]:
        limits = self._limits
        max_rows, max_chars = limits.max_rows, limits.max_cell_chars
        number = 0
        reader = csv.reader(self._lines, delimiter=self.delimiter)
        while True:
            line = reader.line_num + 1  # where the record starts
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # "field larger than field limit": an open quotation mark swallowing lines.
                if "larger than" in str(exc):
                    limit = min(max_chars, csv.field_size_limit())
                    raise LedgerError(format_lazy(MSG_CSV_TOO_LONG, row=line, limit=limit)) from exc
                raise LedgerError(format_lazy(MSG_CSV_BROKEN, row=number + 1)) from exc
            number += 1
            if row and max(map(len, row)) > max_chars:
                column = next(i for i, cell in enumerate(row) if len(cell) > max_chars)
                raise LedgerError(
                    format_lazy(
                        MSG_CELL_TOO_LONG,
                        row=number,
                        column=get_column_letter(column + 1),
                        length=len(row[column]),
                        limit=max_chars,
                    )
                )
            if number > max_rows and any(cell and not cell.isspace() for cell in row):
                raise LedgerError(format_lazy(MSG_TOO_MANY_ROWS, row=number, limit=max_rows))
            yield row

    def close(self) -> None:
        if self._owned:
            self._file.close()
