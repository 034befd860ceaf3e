"""How pytest-xdist hands out the suite to its workers (see huiyin/testing/workers.py).

Imported only when the suite runs with ``-n``, so that a plain run does not need xdist.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling


class InCollectionOrder(LoadScopeScheduling):
    """Hands out the tests in the order of the collection, a module's run of them at a time.

    The collection is in the order one process would run it: pytest-django puts the tests on
    the database first, then those that commit and empty it after them (transactional), then
    those without a database, and browser_fixtures.py puts the browser journeys last. A unit
    of work is a run of consecutive tests of one module in that order (a module whose tests
    fall into two of those groups gives two units), and units go out in order. So every worker
    runs its share in the same order as a single process would, and a module's module- and
    class-scoped fixtures are built once, as they would be there.

    A browser journey is a unit of its own, so that the long ones spread over the workers.
    """

    def __init__(self, config, log=None, browser_ids: Path | None = None):
        super().__init__(config, log)
        self._browser_ids_file = browser_ids
        self._unit_of: dict[str, str] = {}

    def _split_scope(self, nodeid: str) -> str:
        return self._unit_of[nodeid]

    def _read_browser_ids(self) -> frozenset[str]:
        if self._browser_ids_file is None or not self._browser_ids_file.exists():
            return frozenset()
        return frozenset(json.loads(self._browser_ids_file.read_text(encoding="utf-8")))

    def _units(self, collection: list[str]) -> dict[str, str]:
        browser = self._read_browser_ids()
        units: dict[str, str] = {}
        run, previous = 0, None
        for nodeid in collection:
            module = nodeid.split("::", 1)[0]
            if nodeid in browser:
                units[nodeid] = nodeid
                previous = None
                continue
            if module != previous:
                run, previous = run + 1, module
            units[nodeid] = f"{module} (run {run})"
        return units

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:
            for node in self.nodes:
                self._reschedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        self._unit_of = self._units(self.collection)

        self.workqueue = OrderedDict()
        for nodeid in self.collection:
            self.workqueue.setdefault(self._unit_of[nodeid], {})[nodeid] = False

        for _ in range(max(0, len(self.nodes) - len(self.workqueue))):
            unused, _assigned = self.assigned_work.popitem()
            unused.shutdown()
        for node in self.nodes:
            self._assign_work_unit(node)
        # As xdist does: two units to start with where there are enough, since a worker holds
        # its last test back until it knows the next one (or is told to shut down).
        for node in self.nodes:
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()
