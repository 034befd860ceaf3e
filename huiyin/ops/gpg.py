"""A backup's files encrypted to a recipient's public key with GnuPG, and opened again.

The files go into one tar stream piped straight into ``gpg --encrypt``; nothing is
compressed first (the database dump is compressed already, scans do not shrink). The
machine that makes backups needs only the recipient's *public* key; the private key stays
with whoever may restore (docs/deploy.md, "Off-machine copy"). The environment's GNUPGHOME
chooses the keyring.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path


class GpgError(Exception):
    """gpg is missing, the key unknown, or encryption or decryption failed."""


def available() -> bool:
    return shutil.which("gpg") is not None


def _gpg() -> str:
    found = shutil.which("gpg")
    if not found:
        raise GpgError("gpg is not installed (Debian: apt install gnupg)")
    return found


def check_recipient(recipient: str) -> None:
    result = subprocess.run(  # noqa: S603 (fixed program, no shell)
        [_gpg(), "--batch", "--list-keys", "--with-colons", "--", recipient],
        capture_output=True,
        text=True,
        check=False,
    )
    keys = [line.split(":") for line in result.stdout.splitlines() if line.startswith("pub:")]
    if result.returncode != 0 or not keys:
        raise GpgError(f"no public key for {recipient!r} in the keyring")
    # Field 12: the key's capabilities, upper case for the key with its subkeys; E = encrypt.
    if not any(len(key) > 11 and "E" in key[11] for key in keys):
        raise GpgError(f"the key of {recipient!r} cannot encrypt (it has no encryption subkey)")


def encrypt(root: Path, names: list[str], recipient: str, target: Path) -> None:
    """tar the named files under `root` (paths relative to it) and encrypt them to `target`."""
    check_recipient(recipient)
    command = [
        _gpg(),
        "--batch",
        "--yes",
        "--trust-model",
        "always",
        "--compress-algo",
        "none",
        "--encrypt",
        "--recipient",
        recipient,
        "--output",
        str(target),
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors)  # noqa: S603
        try:
            with tarfile.open(fileobj=process.stdin, mode="w|") as archive:
                for name in names:
                    archive.add(root / name, arcname=name, recursive=False)
        except BrokenPipeError:
            pass  # gpg stopped reading: its exit status and message say why
        finally:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            target.unlink(missing_ok=True)
            raise GpgError(f"gpg could not encrypt: {errors.read().decode(errors='replace')}")
    os.chmod(target, 0o600)


def decrypt(archive: Path, target: Path) -> None:
    """Open `archive` (needs the private key in the keyring) and unpack it into `target`."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 (fixed program, no shell)
            [_gpg(), "--batch", "--decrypt", "--output", "-", str(archive)],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        unreadable = None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as opened:
                # Only plain files and folders inside target: no links, devices or "..".
                opened.extractall(target, filter="data")
        except tarfile.TarError as exc:
            unreadable = exc
            process.kill()
        finally:
            process.stdout.close()
            code = process.wait()
        if code not in (0, -9) or (code == -9 and unreadable is None):
            errors.seek(0)
            raise GpgError(f"gpg could not decrypt: {errors.read().decode(errors='replace')}")
        if unreadable is not None:
            raise GpgError(f"the decrypted archive cannot be read: {unreadable}")
