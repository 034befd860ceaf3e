"""`huiyin restore`: a backup into an empty database and data dir, then proven whole.

Refused, with nothing touched, when the database holds any table or ATTACHMENT_DIR any file,
when the backup comes from a newer Huiyin (migrations this code does not know) or another
database vendor, when a file's SHA-256 differs from the manifest, or when the encrypted
fields were sealed with a data key that is neither HUIYIN_DATA_KEY nor among
HUIYIN_OLD_DATA_KEYS (unless told to go on without it).

After restoring, it verifies: rows per table equal to the manifest's; the audit chain intact
and ending exactly at the manifest's last number and hash (an entry cut off at the end leaves
no trace in the chain itself, only against the manifest); a sample of every encrypted column
opening under the present keys; every file a row names present.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiyin.ops import database, gpg
from huiyin.ops import manifest as mf
from huiyin.ops.backup import _copy_hashing
from huiyin.privacy import audit, crypto

#: Values of each encrypted column opened to prove the key (from the start of the table).
SAMPLE = 20

OK, WARN, FAIL = "ok", "warn", "fail"

MSG_DATABASE_NOT_EMPTY = gettext_lazy(
    "The database already holds tables. A restore goes only into an empty database: nothing "
    "was changed. Create a new, empty database (or a new data dir) and restore there."
)
MSG_FILES_NOT_EMPTY = gettext_lazy(
    "The attachment folder %(path)s already holds files. A restore goes only into an empty "
    "data dir: nothing was changed."
)
MSG_OTHER_KEY = gettext_lazy(
    "The personal data in this backup is encrypted with data key %(needed)s, but the "
    "configured key is %(present)s. Set HUIYIN_DATA_KEY to that key (or list it in "
    "HUIYIN_OLD_DATA_KEYS) and restore again; nothing was changed."
)
MSG_DAMAGED = gettext_lazy("The backup is damaged, nothing was changed: %(problems)s")


class RestoreError(Exception):
    """A restore refused or broken off; the message is for the operator (translated)."""


@dataclass(frozen=True)
class Check:
    status: str
    label: str
    detail: str


@dataclass
class RestoreReport:
    manifest: dict
    checks: list[Check] = field(default_factory=list)
    pending_migrations: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks)


# --------------------------------------------------------------------------- before


def _sqlite_path(connection) -> Path:
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:") or name == ":memory:":
        raise RestoreError(_("Restoring needs a database file, not an in-memory database."))
    return Path(name)


def check_target(connection, attachment_dir: Path) -> None:
    """Refuse unless the database has no table and the attachment folder no file."""
    if connection.vendor == "sqlite":
        empty = database.sqlite_is_empty(_sqlite_path(connection))
    else:
        empty = database.pg_is_empty(connection.settings_dict)
    if not empty:
        raise RestoreError(str(MSG_DATABASE_NOT_EMPTY))
    if mf.tree_files(attachment_dir.parent, attachment_dir.name):
        raise RestoreError(str(MSG_FILES_NOT_EMPTY) % {"path": attachment_dir})


def _known_migrations() -> tuple[set[tuple[str, str]], set[str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations), set(loader.migrated_apps)


def check_migrations(manifest: dict) -> int:
    """Refuse a backup from a newer Huiyin; the number of migrations this code has beyond it."""
    known, apps = _known_migrations()
    backed_up = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(f"{a}.{n}" for a, n in backed_up - known if a in apps)
    if unknown:
        raise RestoreError(
            _(
                "This backup comes from a newer version of Huiyin (%(count)d migrations this "
                "version does not know, e.g. %(example)s). Install that version, then restore."
            )
            % {"count": len(unknown), "example": unknown[0]}
        )
    return len({m for m in known if m[0] in apps} - backed_up)


def check_keys(manifest: dict) -> list[str]:
    """The data key ids the backup needs that the present settings do not have."""
    return sorted(set(manifest.get("data_key_ids_used") or []) - set(crypto.known_key_ids()))


# --------------------------------------------------------------------------- restore


def _read(source: Path) -> dict:
    try:
        return mf.read(source)
    except mf.ManifestError as exc:
        raise RestoreError(
            _("%(path)s is not a complete Huiyin backup: %(reason)s")
            % {"path": source, "reason": exc}
        ) from None


def _check_payload(payload: Path, manifest: dict) -> Check:
    problems = mf.check_files(payload, manifest["files"])
    if problems:
        raise RestoreError(str(MSG_DAMAGED) % {"problems": "; ".join(problems[:5])})
    return Check(OK, _("Checksums"), _("%(count)d files match") % {"count": len(manifest["files"])})


def check_backup(source: Path) -> RestoreReport:
    """Check a backup without restoring it: manifest, checksums (the archive opened, when
    encrypted and the key is here), the data key. Touches neither database nor data dir."""
    started = time.monotonic()
    source = Path(source).absolute()
    manifest = _read(source)
    report = RestoreReport(manifest)
    payload, unpacked = _payload(source, manifest, scratch=Path(settings.DATA_DIR))
    try:
        report.checks.append(_check_payload(payload, manifest))
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    missing = check_keys(manifest)
    if missing:
        report.checks.append(
            Check(
                WARN,
                _("Data key"),
                _("the data needs key %(needed)s, which is not configured here")
                % {"needed": "、".join(missing)},
            )
        )
    else:
        report.checks.append(Check(OK, _("Data key"), _("the configured keys open this data")))
    report.seconds = time.monotonic() - started
    return report


def restore(
    source: Path, *, allow_other_key: bool = False, using: str = DEFAULT_DB_ALIAS
) -> RestoreReport:
    started = time.monotonic()
    source = Path(source).absolute()
    manifest = _read(source)
    connection = connections[using]
    vendor = manifest["database"].get("vendor")
    if vendor != connection.vendor:
        raise RestoreError(
            _("This backup is of a %(theirs)s database; the configured one is %(ours)s.")
            % {
                "theirs": database.vendor_label(vendor),
                "ours": database.vendor_label(connection.vendor),
            }
        )
    attachment_dir = Path(settings.ATTACHMENT_DIR)
    try:
        check_target(connection, attachment_dir)
    except database.DatabaseError as exc:
        raise RestoreError(str(exc)) from None
    report = RestoreReport(manifest, pending_migrations=check_migrations(manifest))
    missing_keys = check_keys(manifest)
    if missing_keys and not allow_other_key:
        raise RestoreError(
            str(MSG_OTHER_KEY)
            % {"needed": "、".join(missing_keys), "present": crypto.current_key_id()}
        )
    payload, unpacked = _payload(source, manifest, scratch=Path(settings.DATA_DIR))
    try:
        report.checks.append(_check_payload(payload, manifest))
        _restore_database(connection, payload / manifest["database"]["file"])
        try:
            report.checks.append(_restore_files(payload, manifest["files"], attachment_dir))
        except OSError as exc:
            raise RestoreError(
                _(
                    "The database was restored but the files could not be: %(reason)s. Empty "
                    "the database and the data dir, then restore again."
                )
                % {"reason": exc}
            ) from None
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    connection.close()
    report.checks.extend(verify(manifest, connection, attachment_dir, skip_keys=bool(missing_keys)))
    report.seconds = time.monotonic() - started
    return report


def _payload(source: Path, manifest: dict, *, scratch: Path | None) -> tuple[Path, Path | None]:
    """Where the listed files are: the backup itself, or the encrypted archive unpacked (in
    `scratch`, the data dir when restoring: the same disk the files go to)."""
    archive = manifest.get("archive")
    if not archive or all((source / name).is_file() for name in manifest["files"]):
        return source, None
    problems = mf.check_files(source, {archive["file"]: archive})
    if problems:
        raise RestoreError(str(MSG_DAMAGED) % {"problems": "; ".join(problems)})
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    unpacked = Path(tempfile.mkdtemp(prefix=".huiyin-restore-", dir=scratch))
    try:
        gpg.decrypt(mf.inside(source, archive["file"]), unpacked)
    except gpg.GpgError as exc:
        shutil.rmtree(unpacked, ignore_errors=True)
        raise RestoreError(
            _("The encrypted backup cannot be opened, nothing was changed: %(reason)s")
            % {"reason": exc}
        ) from None
    return unpacked, unpacked


def _restore_database(connection, dump: Path) -> None:
    connection.close()
    try:
        if connection.vendor == "sqlite":
            database.sqlite_restore(dump, _sqlite_path(connection))
        else:
            database.pg_restore(dump, connection.settings_dict)
    except database.DatabaseError as exc:
        raise RestoreError(
            _("The database could not be restored: %(reason)s") % {"reason": exc}
        ) from None


def _restore_files(payload: Path, files: dict, attachment_dir: Path) -> Check:
    count = size = 0
    prefix = f"{mf.ATTACHMENTS}/"
    for name, facts in sorted(files.items()):
        if not name.startswith(prefix):
            continue
        target = mf.inside(attachment_dir, name[len(prefix) :])
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        copied = _copy_hashing(mf.inside(payload, name), target)
        if copied["sha256"] != facts["sha256"]:
            return Check(FAIL, _("Files"), _("%(name)s changed while copied") % {"name": name})
        count, size = count + 1, size + copied["size"]
    return Check(
        OK,
        _("Files"),
        _("%(count)d files restored (%(mb).1f MB)") % {"count": count, "mb": size / 1e6},
    )


# --------------------------------------------------------------------------- after


def verify(manifest: dict, connection, attachment_dir: Path, *, skip_keys: bool) -> list[Check]:
    checks = [_verify_rows(manifest, connection)]
    later = [
        (_("Audit trail"), lambda: _verify_audit(manifest)),
        (_("Data key"), lambda: _verify_keys(connection, skip_keys)),
        (_("Files"), lambda: _verify_file_rows(attachment_dir)),
    ]
    for label, check in later:
        try:
            checks.append(check())
        except DatabaseError:
            # An older backup's tables, read by this version's models before `migrate`.
            checks.append(
                Check(WARN, label, _("not checked: run `huiyin migrate`, then check again"))
            )
    return checks


def _verify_rows(manifest: dict, connection) -> Check:
    with connection.cursor() as cursor:
        found = database.count_rows(cursor, database.list_tables(cursor, connection.vendor))
    expected = manifest["tables"]
    differing = sorted(
        name for name in set(found) | set(expected) if found.get(name) != expected.get(name)
    )
    if differing:
        return Check(
            FAIL,
            _("Row counts"),
            _("%(count)d tables differ from the manifest, e.g. %(table)s")
            % {"count": len(differing), "table": differing[0]},
        )
    return Check(
        OK,
        _("Row counts"),
        _("%(tables)d tables, %(rows)d rows, as in the manifest")
        % {"tables": len(found), "rows": sum(found.values())},
    )


def _verify_audit(manifest: dict) -> Check:
    result = audit.verify()
    expected = manifest["audit"]
    if not result.ok:
        return Check(
            FAIL,
            _("Audit trail"),
            _("broken at entry %(seq)d: %(reason)s")
            % {"seq": result.first_bad_seq, "reason": result.reason},
        )
    from huiyin.privacy.models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first() or (0, "")
    if tuple(last) != (expected["last_seq"], expected["last_hash"]):
        return Check(
            FAIL,
            _("Audit trail"),
            _("intact, but it ends at entry %(seq)d, not at the manifest's %(expected)d")
            % {"seq": last[0], "expected": expected["last_seq"]},
        )
    return Check(
        OK,
        _("Audit trail"),
        _("%(count)d entries intact, ending at entry %(seq)d with the manifest's hash")
        % {"count": result.checked, "seq": last[0]},
    )


def _verify_keys(connection, skip: bool) -> Check:
    if skip:
        return Check(
            WARN,
            _("Data key"),
            _("not checked: the data key this backup needs is not configured"),
        )
    opened = failed = 0
    with connection.cursor() as cursor:
        for table, column, context in database.encrypted_columns():
            cursor.execute(
                f"SELECT {database.quote(column)} FROM {database.quote(table)} "  # noqa: S608
                f"WHERE {database.quote(column)} LIKE %s LIMIT {SAMPLE}",
                ["v1:%"],
            )
            for (token,) in cursor.fetchall():
                try:
                    crypto.decrypt(token, context=context)
                except crypto.DecryptionError:
                    failed += 1
                else:
                    opened += 1
    if failed:
        return Check(
            FAIL,
            _("Data key"),
            _("%(failed)d of %(total)d sampled encrypted values do not open")
            % {"failed": failed, "total": failed + opened},
        )
    return Check(
        OK,
        _("Data key"),
        _("%(count)d sampled encrypted values open under key %(key)s")
        % {"count": opened, "key": crypto.current_key_id()},
    )


def file_fields() -> list[tuple[type, str]]:
    from django.apps import apps

    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.local_concrete_fields
        if isinstance(f, models.FileField)
    ]


def _verify_file_rows(attachment_dir: Path) -> Check:
    named = missing = 0
    for model, name in file_fields():
        for value in model._base_manager.values_list(name, flat=True):
            if not value:
                continue
            named += 1
            path = mf._inside(attachment_dir, value)
            if path is None or not path.is_file():
                missing += 1
    if missing:
        return Check(
            FAIL,
            _("Files"),
            _("%(missing)d of the %(count)d files the records name are missing")
            % {"missing": missing, "count": named},
        )
    return Check(
        OK, _("Files"), _("all %(count)d files the records name are present") % {"count": named}
    )
