"""`huiyin rebuild-search-index`: recompute every case's search grams (see huiyin.cases.search).

Not needed in everyday work (every write keeps them); for after a restore from a partial
backup, a change to how grams are cut, or a database edited by hand.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext

from huiyin.cases import search


class Command(BaseCommand):
    help = "Recompute the search grams of every case and rebuild the text index over them."

    def handle(self, *args, **options) -> None:
        def progress(done: int) -> None:
            if done % 50_000 < search.BATCH:
                self.stdout.write(gettext("%(done)d cases…") % {"done": done})

        with transaction.atomic():
            done = search.rebuild(progress=progress)
        self.stdout.write(gettext("Search index rebuilt for %(count)d cases.") % {"count": done})
