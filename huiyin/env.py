"""Small helpers that read settings from the environment and fail loudly on a bad value."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A missing or malformed environment variable; the message names it."""


def envstr(name: str, default: str | None = None) -> str | None:
    """The variable, or the contents of the file named by `NAME_FILE`, or the default."""
    value = os.environ.get(name)
    if value is not None:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    return default


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}; got {number}")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def keyfile_secret(
    name: str, path: Path, *, create: bool, factory=None, throwaway: bool = False
) -> str:
    """A secret from the environment; for debug and demo, else from `path`, made once (0600).

    `throwaway`: a command that never reads or writes data (makemigrations, makemessages)
    gets a random key that is never stored.
    """
    value = envstr(name)
    if value:
        return value.strip()
    if throwaway and not create:
        return factory() if factory else secrets.token_urlsafe(50)
    if not create:
        raise ConfigError(f"{name} is not set (required when HUIYIN_DEBUG is off)")
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = factory() if factory else secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
