"""Loaded by pytest with `-p` before Django's settings: a private data dir for the test run.

HUIYIN_TEST_DATABASE_URL, when set, runs the suite against that database (PostgreSQL in CI).
"""

import os
import tempfile

os.environ.setdefault("HUIYIN_DATA_DIR", tempfile.mkdtemp(prefix="huiyin-test-"))
os.environ.setdefault("HUIYIN_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiyin.settings")
if os.environ.get("HUIYIN_TEST_DATABASE_URL"):
    os.environ["HUIYIN_DATABASE_URL"] = os.environ["HUIYIN_TEST_DATABASE_URL"]
