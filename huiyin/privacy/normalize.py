"""Normalisation of what people type into ID and phone fields, before validation.

Chinese input methods readily produce full-width characters (０８１６－２３４５６７８, Ｘ) and
copy-paste brings in ideographic spaces (U+3000) and zero-width characters; all of these are
folded to plain ASCII here so the validators only ever see one spelling.
"""

from __future__ import annotations

# Full-width forms of printable ASCII (U+FF01..U+FF5E) map to ASCII by a fixed offset:
# digits, Ｘ/ｘ, the full-width hyphen－ and plus＋ among them.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Other dashes people paste in place of a hyphen.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣"), ord("-"))
# Invisible characters that str.split() does not treat as whitespace.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_TABLE = {**_FULLWIDTH, **_DASHES, **_INVISIBLE}


def normalize_digits(text: str) -> str:
    """Full-width digits, letters, hyphen and plus to ASCII; all whitespace removed.

    >>> normalize_digits("１１０１０５　１９４９１２３１００２ｘ")
    '11010519491231002x'
    """
    if not text:
        return ""
    converted = str(text).translate(_TABLE)
    # str.split() with no argument splits on every Unicode whitespace, U+3000 included.
    return "".join(converted.split())
