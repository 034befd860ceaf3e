"""Fixtures of the operations tests: a small demo street with personal data and files, and
`huiyin` run as the operator runs it, in a child process against another data dir."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from huiyin.cases.attachments import attach
from huiyin.org import demo as org_demo
from huiyin.petitions.models import Petitioner
from huiyin.petitions.tests.factories import ID_1, ID_2, petitioner, register
from huiyin.reports import demo as reports_demo
from huiyin.reports.demo import _scan

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Street:
    petitioner_pk: int
    id_number: str
    attachment_name: str


@pytest.fixture
def attachment_dir(settings, tmp_path):
    """Files of this test in a folder of its own (the run's data dir is shared)."""
    settings.ATTACHMENT_DIR = tmp_path / "data" / "attachments"
    settings.ATTACHMENT_DIR.mkdir(parents=True)
    return settings.ATTACHMENT_DIR


@pytest.fixture
def demo_street(attachment_dir) -> Street:
    """The demo's organisation and accounts, petitions with identities (encrypted), an
    attachment and the campaign's pledge scans: what a backup must carry, in a second or so."""
    org_demo.load_organisation()
    org_demo.load_accounts("demo-pass-123")
    clerk = User.objects.get(username="clerk")
    first = register(clerk, petitioners=[petitioner("张三", id_number=ID_1)])
    register(clerk, title="噪声扰民", petitioners=[petitioner("李四", id_number=ID_2)])
    register(clerk, title="物业纠纷", petitioners=[petitioner("王五", id_number="")])
    upload = SimpleUploadedFile("现场照片.pdf", _scan("site"), content_type="application/pdf")
    attachment = attach(first.case, upload, actor=clerk)
    reports_demo.load(io.StringIO())
    person = Petitioner.objects.get(petition=first)
    return Street(person.pk, ID_1, attachment.file.name)


def data_key_text(key: bytes | None = None) -> str:
    return base64.urlsafe_b64encode(key or settings.DATA_KEY).decode()


def run_huiyin(*args: str, data_dir: Path, database_url: str | None = None, **env: str):
    """`huiyin ARGS` in a child process with its own data dir (and database), as an operator
    would run it; the data key is this test run's unless HUIYIN_DATA_KEY is given."""
    child = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HUIYIN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    child.update(
        HUIYIN_DATA_DIR=str(data_dir),
        HUIYIN_DEBUG="1",
        HUIYIN_DATA_KEY=data_key_text(),
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        child["HUIYIN_DATABASE_URL"] = database_url
    child.update(env)
    return subprocess.run(
        [sys.executable, "-m", "huiyin", *args],
        env=child,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def craft_backup(path: Path, files: dict[str, bytes] | None = None, **manifest) -> Path:
    """A backup directory written by hand: the files given and a manifest describing them."""
    from django.utils import timezone

    import huiyin
    from huiyin.ops import manifest as mf
    from huiyin.privacy import crypto

    files = {"database.sqlite3": b"SQLite format 3\x00", **(files or {})}
    path.mkdir(parents=True)
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content)
    made = {
        "format": mf.FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "huiyin_version": huiyin.__version__,
        "database": {"vendor": "sqlite", "file": "database.sqlite3", "server_version": ""},
        "tables": {},
        "audit": {"count": 0, "last_seq": 0, "last_hash": ""},
        "migrations": {},
        "data_key_id": crypto.current_key_id(),
        "data_key_ids_used": [],
        "files": mf.describe_files(path, list(files)),
        "archive": None,
        **manifest,
    }
    mf.write(path, made)
    return path
