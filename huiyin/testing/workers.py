"""Loaded by pytest with `-p`: the suite on several processes (pytest-xdist, ``pytest -n 2``).

`make test` and CI run ``pytest -n auto``; a plain ``pytest`` runs in one process as before.
What the workers share and what they must not:

- Each worker has its own test database (pytest-django names them ``test_..._gw0``,
  ``_gw1``; SQLite's is in memory) and its own data dir (huiyin/testing/env.py): attachments
  are filed under a case's id, and ids repeat from one worker's database to the next.
- Every worker runs its share of the tests in the order one process would run them
  (scheduling.py): the tests that empty the database after them (transactional ones, the
  browser journeys) after those that need what the migrations put in it, the browser
  journeys last (browser_fixtures.py says why). A module's consecutive tests go to one worker
  together, so a module- or class-scoped fixture (the demo street loaded once, the crawl) is
  built once; each browser journey goes alone, so that the long ones spread over the workers.

The controller collects no tests itself and sees only their ids: the workers, which do,
write the ids of the browser journeys into a directory of the run for it to read.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

#: A directory of this run, made by the controller before its workers start (they inherit it).
RUN_DIR = "HUIYIN_TEST_RUN_DIR"
BROWSER_IDS = "browser-tests.json"


def _is_controller(config: pytest.Config) -> bool:
    """True in the process that hands out tests to xdist workers (not in a worker, not alone)."""
    if hasattr(config, "workerinput"):
        return False
    return bool(getattr(config.option, "numprocesses", None)) and config.option.dist != "no"


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config):
        run_dir = tempfile.mkdtemp(prefix="huiyin-run-")
        config._huiyin_run_dir = run_dir  # type: ignore[attr-defined]
        os.environ[RUN_DIR] = run_dir


def pytest_unconfigure(config: pytest.Config) -> None:
    run_dir = getattr(config, "_huiyin_run_dir", None)
    if run_dir:
        os.environ.pop(RUN_DIR, None)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker: tell the controller which of the collected tests are browser journeys."""
    run_dir = os.environ.get(RUN_DIR)
    if not hasattr(config, "workerinput") or not run_dir:
        return
    ids = [item.nodeid for item in items if item.get_closest_marker("browser") is not None]
    target = Path(run_dir) / BROWSER_IDS
    # Every worker collects the same tests: the last one to write wins, with the same list.
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".browser-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(ids, out)
    os.replace(tmp, target)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``-n N`` (xdist's default ``--dist load``): in the collection's order, modules whole.

    An explicit ``--dist`` other than ``load`` is left to xdist.
    """
    if config.option.dist != "load":
        return None
    from huiyin.testing.scheduling import InCollectionOrder

    run_dir = os.environ.get(RUN_DIR)
    return InCollectionOrder(config, log, Path(run_dir) / BROWSER_IDS if run_dir else None)
