"""A backup's manifest: what it holds and how to check it, and finding backups in a directory.

A backup is a directory:

    manifest.json        this file's content (never a key: only the id of the data key)
    database.sqlite3     SQLite, made with the online backup API   } or payload.tar.gpg,
    database.pgdump      PostgreSQL, `pg_dump -Fc`                 } the same files encrypted
    attachments/...      the attachments, pledges, scans and photos }  to a recipient (gpg)

The manifest lists every file with its SHA-256 and size, the rows of every table, the audit
chain's last number and hash, the Huiyin version, the applied migrations and the data key ids
the encrypted fields were sealed with. It is written last, under a temporary name renamed into
place, and the directory itself is renamed from `<name>.partial-…` when complete: a directory
with a valid manifest is a complete backup.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FORMAT = "huiyin-backup/1"
NAME = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
ARCHIVE_FILE = "payload.tar.gpg"
ATTACHMENTS = "attachments"
CHUNK = 1024 * 1024


class ManifestError(Exception):
    """A manifest that is missing, unreadable or not a Huiyin backup's; the message says why."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(root: Path, names: list[str]) -> dict[str, dict]:
    """{relative path: {"sha256", "size"}} for the named files under `root`."""
    return {
        name: {"sha256": sha256_file(root / name), "size": (root / name).stat().st_size}
        for name in sorted(names)
    }


def tree_files(root: Path, prefix: str) -> list[str]:
    """Relative paths (``prefix/...``, with /) of the regular files under root/prefix."""
    base = root / prefix
    found = []
    if not base.is_dir():
        return found
    for folder, _dirs, files in os.walk(base):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def write(directory: Path, manifest: dict) -> None:
    """Write the manifest atomically (temporary file, fsync, rename)."""
    temporary = directory / f".{NAME}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, directory / NAME)


def read(directory: Path) -> dict:
    """The manifest of the backup in `directory`; ManifestError when there is none valid."""
    path = Path(directory) / NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"no {NAME} in {directory}") from None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ManifestError(f"{path} is not a Huiyin backup manifest ({FORMAT})")
    for key in ("created_at", "database", "files", "tables", "audit", "migrations"):
        if key not in manifest:
            raise ManifestError(f"{path} lacks {key!r}")
    created_at(manifest)
    return manifest


def created_at(manifest: dict) -> datetime:
    try:
        moment = datetime.fromisoformat(manifest["created_at"])
    except (TypeError, ValueError, KeyError):
        raise ManifestError("the manifest's created_at is not a date and time") from None
    if moment.tzinfo is None:
        raise ManifestError("the manifest's created_at has no time zone")
    return moment


@dataclass(frozen=True)
class Found:
    path: Path
    manifest: dict

    @property
    def created_at(self) -> datetime:
        return created_at(self.manifest)


def backups_in(parent: Path) -> list[Found]:
    """The complete backups directly inside `parent`, newest first (others are ignored)."""
    found = []
    try:
        children = list(Path(parent).iterdir())
    except OSError:
        return []
    for child in children:
        if not child.is_dir() or child.is_symlink():
            continue
        try:
            found.append(Found(child, read(child)))
        except ManifestError:
            continue
    return sorted(found, key=lambda item: item.created_at, reverse=True)


def check_files(directory: Path, files: dict[str, dict]) -> list[str]:
    """The problems with the listed files under `directory`: missing, wrong size or digest."""
    problems = []
    for name, facts in sorted(files.items()):
        path = _inside(directory, name)
        if path is None:
            problems.append(f"{name}: not a path inside the backup")
            continue
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        if path.stat().st_size != facts.get("size"):
            problems.append(f"{name}: size differs")
            continue
        if sha256_file(path) != facts.get("sha256"):
            problems.append(f"{name}: SHA-256 differs")
    return problems


def _inside(directory: Path, name: str) -> Path | None:
    """directory/name, or None when the name would leave the directory (.., absolute)."""
    if not name or name.startswith("/") or "\\" in name:
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return Path(directory, *parts)


def inside(directory: Path, name: str) -> Path:
    path = _inside(directory, name)
    if path is None:
        raise ManifestError(f"{name!r} is not a path inside the backup")
    return path
