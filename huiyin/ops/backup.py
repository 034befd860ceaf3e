"""`huiyin backup`: one consistent, verifiable copy of the database and the kept files.

    result = make_backup(Path("/srv/backup/huiyin-20261205-0300"), keep=14)

The database is copied first (one moment of it, see :mod:`huiyin.ops.database`), then the
files under ATTACHMENT_DIR (attachments, pledges, letter scans, photos). Files are only ever
added there, and a row is committed after its file is written, so every file the copied
database names is already on disk when the files are copied. Everything is written into
``<out>.partial-…`` next to `out` and renamed to `out` when the manifest is written: an
interrupted backup never looks complete. Keys are never copied: the manifest names the data
key ids the encrypted fields need. Old backups beside `out` are pruned with `keep`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

import huiyin
from huiyin.cases.deadlines import CHINA_TZ
from huiyin.ops import database, gpg
from huiyin.ops import manifest as mf
from huiyin.privacy import crypto


class BackupError(Exception):
    """A backup that was not made; the message is for the operator (translated)."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float
    pruned: list[Path] = field(default_factory=list)


def default_out(now=None) -> Path:
    """HUIYIN_BACKUP_DIR/huiyin-YYYYMMDD-HHMMSS (Beijing time)."""
    base = getattr(settings, "HUIYIN_BACKUP_DIR", "")
    if not base:
        raise BackupError(_("Give --out DIR, or set HUIYIN_BACKUP_DIR."))
    moment = timezone.localtime(now or timezone.now(), CHINA_TZ)
    return Path(base) / moment.strftime("huiyin-%Y%m%d-%H%M%S")


def _copy_hashing(source: Path, target: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(mf.CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(source, target)
    return {"sha256": digest.hexdigest(), "size": size}


def copy_files(source_root: Path, target_root: Path) -> dict[str, dict]:
    """Copy the regular files under source_root; {"attachments/<path>": facts}."""
    copied = {}
    for name in mf.tree_files(source_root.parent, source_root.name):
        relative = name.split("/", 1)[1]
        target = target_root.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        copied[f"{mf.ATTACHMENTS}/{relative}"] = _copy_hashing(source_root / relative, target)
    return copied


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(
            _("%(path)s already exists and is not empty: a backup never overwrites anything.")
            % {"path": out}
        )


def make_backup(
    out: Path,
    *,
    keep: int | None = None,
    encrypt_to: str | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> BackupResult:
    started = time.monotonic()
    out = Path(out).absolute()
    _check_out(out)
    if keep is not None and keep < 1:
        raise BackupError(_("--keep must be at least 1."))
    if encrypt_to and not gpg.available():
        raise BackupError(_("gpg is not installed: the backup cannot be encrypted."))
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=f"{out.name}.partial-", dir=out.parent))
    try:
        made = _make(staging, using=using, encrypt_to=encrypt_to)
        made["seconds"] = round(time.monotonic() - started, 2)
        mf.write(staging, made)
        _fsync_dir(staging)
        if out.exists():
            out.rmdir()
        os.rename(staging, out)
        _fsync_dir(out.parent)
    except (database.DatabaseError, gpg.GpgError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(_("The backup was not made: %(reason)s") % {"reason": exc}) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pruned = prune(out.parent, keep, spare=out) if keep else []
    return BackupResult(out, made, time.monotonic() - started, pruned)


def _make(staging: Path, *, using: str, encrypt_to: str | None) -> dict:
    connection = connections[using]
    created = timezone.localtime(timezone.now(), CHINA_TZ)
    if connection.vendor == "sqlite":
        db_file = mf.SQLITE_FILE
        found = database.sqlite_backup(connection, staging / db_file)
    elif connection.vendor == "postgresql":
        db_file = mf.PG_FILE
        found = database.pg_backup(connection.settings_dict, staging / db_file)
    else:
        raise database.DatabaseError(f"no backup for {connection.vendor}")
    os.chmod(staging / db_file, 0o600)
    files = mf.describe_files(staging, [db_file])
    files.update(copy_files(Path(settings.ATTACHMENT_DIR), staging / mf.ATTACHMENTS))
    made = {
        "format": mf.FORMAT,
        "created_at": created.isoformat(timespec="seconds"),
        "huiyin_version": huiyin.__version__,
        "database": {
            "vendor": connection.vendor,
            "file": db_file,
            "server_version": found.pop("server_version", ""),
        },
        **found,
        # Which key the data needs, never the key: HUIYIN_DATA_KEY's id when the copy was made.
        "data_key_id": crypto.current_key_id(),
        "files": files,
        "archive": None,
    }
    if encrypt_to:
        archive = staging / mf.ARCHIVE_FILE
        gpg.encrypt(staging, sorted(files), encrypt_to, archive)
        for name in files:
            (staging / name).unlink()
        shutil.rmtree(staging / mf.ATTACHMENTS, ignore_errors=True)
        made["archive"] = {
            "file": mf.ARCHIVE_FILE,
            "tool": "gpg",
            "recipient": encrypt_to,
            **mf.describe_files(staging, [mf.ARCHIVE_FILE])[mf.ARCHIVE_FILE],
        }
    return made


def prune(parent: Path, keep: int, *, spare: Path | None = None) -> list[Path]:
    """Remove all but the `keep` newest backups in `parent` (only directories with a valid
    manifest: nothing else there is touched). `spare`, the backup just made, is always one of
    those kept, whatever its clock said."""
    found = mf.backups_in(parent)
    if spare is not None:
        spare = Path(spare).resolve()
        found = [item for item in found if item.path.resolve() != spare]
        keep -= 1
    removed = []
    for item in found[max(keep, 0) :]:
        shutil.rmtree(item.path)
        removed.append(item.path)
    return removed
