"""The tracker's address as a QR code on the printed receipt: an SVG made on the server
(segno, pure Python, no network), inlined in the page so printing needs no image request.

Only the address goes in: the tracker takes the receipt code by POST alone, and the phone's
digits never leave the petitioner's head.
"""

from __future__ import annotations

import segno

#: Error correction M (15 %): a creased or smudged slip still scans.
ERROR = "m"
#: 3 px a module: about 27 mm across for a short address, printed at 96 dpi.
SCALE = 3


def tracker_qr_svg(url: str) -> str:
    """The inline <svg> of a QR code holding `url` (no XML declaration, no namespace)."""
    return segno.make(url, error=ERROR).svg_inline(scale=SCALE)
