"""Loaded by pytest with `-p` before Django's settings: a private data dir for the test run.

HUIYIN_TEST_DATABASE_URL, when set, runs the suite against that database (PostgreSQL in CI).
Under pytest-xdist each worker gets a data dir of its own inside the run's (attachments are
filed under a case's id, and ids repeat from one worker's database to the next).
"""

import os
import tempfile

if not os.environ.get("HUIYIN_DATA_DIR"):
    os.environ["HUIYIN_DATA_DIR"] = tempfile.mkdtemp(prefix="huiyin-test-")
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["HUIYIN_DATA_DIR"] = os.path.join(
        os.environ["HUIYIN_DATA_DIR"], os.environ["PYTEST_XDIST_WORKER"]
    )
os.environ.setdefault("HUIYIN_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
if os.environ.get("HUIYIN_TEST_DATABASE_URL"):
    os.environ["HUIYIN_DATABASE_URL"] = os.environ["HUIYIN_TEST_DATABASE_URL"]
