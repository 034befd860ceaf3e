"""The zh-hans catalogue is complete and compiled: no user sees an English string."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(text: str) -> list[dict]:
    entries, current, field = [], {}, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, field = {}, None
            continue
        if line.startswith("#,"):
            current["flags"] = line
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
        if match:
            field = match.group(1)
            current[field] = eval(match.group(2))  # noqa: S307  (a quoted C string literal)
        elif line.startswith('"') and field:
            current[field] += eval(line)  # noqa: S307
    return entries


def test_it_translates_every_message():
    entries = [e for e in _po_entries((LOCALE / "django.po").read_text("utf-8")) if e.get("msgid")]
    assert len(entries) > 100
    missing = [
        e["msgid"]
        for e in entries
        if not (e.get("msgstr") or e.get("msgstr[0]")) or "fuzzy" in e.get("flags", "")
    ]
    assert missing == []


def test_it_ships_a_compiled_catalogue_matching_the_source():
    entries = [e for e in _po_entries((LOCALE / "django.po").read_text("utf-8")) if e.get("msgid")]
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in entries:
        if "msgid_plural" in entry or "msgctxt" in entry:
            continue
        assert catalogue.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
