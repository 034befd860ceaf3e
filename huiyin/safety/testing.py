"""What the URL x role crawl (huiyin.testing.crawl) needs of the 平安创建 pages.

The demo loads the rows (:mod:`huiyin.safety.demo`); every holder of ``assessment.view``
reads the whole street's creations, so each page is filled with the first row of its kind.
"""

from __future__ import annotations

from huiyin.org.models import Community
from huiyin.safety.models import Creation


def _first(model):
    def fill(w, p, scope: str) -> list[dict]:
        if scope != "in":
            return []
        found = model.objects.order_by("pk").values_list("pk", flat=True).first()
        return [{"pk": found or 1}]

    return fill


FILLERS = {
    "safety:creation": _first(Creation),
    "safety:creation_status": _first(Creation),
    "safety:community": _first(Community),
}
