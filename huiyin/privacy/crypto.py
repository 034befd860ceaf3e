"""Authenticated encryption (AES-256-GCM) of personal-data strings, and blind indexes.

A token is text: ``v1:<key id>:<base64url(nonce + ciphertext + tag)>``. The key id is the
first 8 hex characters of SHA-256 of the raw key, so a token names the key that sealed it
and decrypt() finds that key among settings.DATA_KEY and settings.OLD_DATA_KEYS. The
`context` (e.g. "petitioner.id_number") is bound as associated data: a token copied into
another field does not decrypt there.

A blind index is an HMAC of the normalised value under a key derived from DATA_KEY, for
exact-match lookups without decrypting. It follows the current DATA_KEY: rotating the key
changes every index, so rotation must recompute them (blind_index_candidates() covers the
period in between).

Keys are read from django.conf.settings once and again whenever DATA_KEY or OLD_DATA_KEYS
changes (the setting_changed signal).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from huiyin.privacy.normalize import normalize_digits

VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
#: Nonces drawn from the OS at once (one os.urandom call per this many values sealed).
NONCE_BATCH = 256


class _Nonces(threading.local):
    """Random 96-bit nonces, read from os.urandom in blocks: one system call per
    NONCE_BATCH values instead of one each (an import seals three values per ledger row).
    Each thread has its own block; a forked child (gunicorn worker) discards the parent's
    unused block, so no two processes can hand out the same nonce."""

    def __init__(self) -> None:
        self.block = b""
        self.offset = 0
        self.pid = os.getpid()

    def take(self) -> bytes:
        if self.offset >= len(self.block) or self.pid != os.getpid():
            self.block = os.urandom(NONCE_BYTES * NONCE_BATCH)
            self.offset = 0
            self.pid = os.getpid()
        start = self.offset
        self.offset = start + NONCE_BYTES
        return self.block[start : self.offset]


_nonces = _Nonces()


class DecryptionError(ValueError):
    """A token that cannot be opened: unknown key, damaged, tampered with or wrong context."""

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


@lru_cache(maxsize=16)
def key_id(key: bytes) -> str:
    """First 8 hex characters of SHA-256 of the raw key."""
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    # One cipher object per key, not per value: an import seals hundreds of thousands.
    return AESGCM(key)


def _checked(name: str, key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must be {KEY_BYTES} raw bytes")
    return key


# The keys as read from the settings, until a setting they come from changes (tests and
# override_settings send setting_changed): reading the settings object costs more than
# sealing a short value, and an import seals hundreds of thousands.
_keys: dict[str, object] = {}


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting in ("DATA_KEY", "OLD_DATA_KEYS"):
        _keys.clear()


def _current_key() -> bytes:
    key = _keys.get("current")
    if key is None:
        key = _keys["current"] = _checked("DATA_KEY", getattr(settings, "DATA_KEY", None))
    return key


def _known_keys() -> dict[str, bytes]:
    known = _keys.get("known")
    if known is None:
        known = {}
        for key in [_current_key(), *getattr(settings, "OLD_DATA_KEYS", ())]:
            known.setdefault(key_id(_checked("OLD_DATA_KEYS entries", key)), key)
        _keys["known"] = known
    return dict(known)


def current_key_id() -> str:
    return key_id(_current_key())


def known_key_ids() -> list[str]:
    """The ids of DATA_KEY and of each of OLD_DATA_KEYS, current first."""
    return list(_known_keys())


@lru_cache(maxsize=256)
def _associated_data(context: str) -> bytes:
    return f"huiyin:{VERSION}:{context}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(plaintext: str, *, context: str = "") -> str:
    """Seal `plaintext` with the current DATA_KEY; returns a v1 token."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes a str")
    key = _current_key()
    nonce = _nonces.take()
    sealed = _cipher(key).encrypt(nonce, plaintext.encode("utf-8"), _associated_data(context))
    return f"{VERSION}:{key_id(key)}:{_b64encode(nonce + sealed)}"


def _parse(token: str) -> tuple[str, str]:
    parts = token.split(":") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != VERSION or not parts[1]:
        raise DecryptionError(f"not an encrypted value (expected {VERSION}:<key id>:<data>)")
    return parts[1], parts[2]


def token_key_id(token: str) -> str:
    """The key id a token names; DecryptionError when it is not a token."""
    return _parse(token)[0]


def decrypt(token: str, *, context: str = "") -> str:
    """Open a token sealed with DATA_KEY or one of OLD_DATA_KEYS, under the same context."""
    kid, payload = _parse(token)
    key = _known_keys().get(kid)
    if key is None:
        raise DecryptionError(
            f"encrypted with data key {kid}, which is neither HUIYIN_DATA_KEY nor among "
            "HUIYIN_OLD_DATA_KEYS",
            key_id=kid,
        )
    try:
        blob = _b64decode(payload)
    except (binascii.Error, ValueError):
        blob = b""
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(
            f"encrypted value (data key {kid}) is truncated or damaged", key_id=kid
        )
    nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = _cipher(key).decrypt(nonce, sealed, _associated_data(context))
    except InvalidTag:
        raise DecryptionError(
            f"encrypted value (data key {kid}) failed authentication: it was altered or "
            f"belongs to another field than {context!r}",
            key_id=kid,
        ) from None
    return plain.decode("utf-8")


def needs_rotation(token: str) -> bool:
    """True when the token was sealed with a key other than the current DATA_KEY."""
    return token_key_id(token) != current_key_id()


def normalize_for_index(value: str) -> str:
    """NFKC, whitespace removed, case folded: the spelling a blind index is computed on."""
    if value and value.isascii() and value.isalnum():
        # Plain letters and digits (ID and phone numbers as validated): NFKC and the digit
        # folding leave them as they are.
        return value.casefold()
    return normalize_digits(unicodedata.normalize("NFKC", value or "")).casefold()


@lru_cache(maxsize=64)
def _index_key(key: bytes, purpose: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"huiyin blind index " + purpose.encode("utf-8"),
    )
    return hkdf.derive(key)


@lru_cache(maxsize=64)
def _index_mac(key: bytes, purpose: str) -> hmac.HMAC:
    return hmac.new(_index_key(key, purpose), digestmod=hashlib.sha256)


def _index_with(key: bytes, value: str, purpose: str) -> str:
    if not purpose:
        raise ValueError("blind_index() needs a purpose, e.g. 'petitioner.id_number'")
    message = normalize_for_index(value).encode("utf-8")
    # A copy of the keyed HMAC, not hmac.digest(): the one-shot call sets up the key every
    # time and lets go of Python's lock, which an import's writer thread then holds for
    # milliseconds (15 µs a value measured there, against under 1 µs this way).
    mac = _index_mac(key, purpose).copy()
    mac.update(message)
    return mac.hexdigest()


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 (hex) of the normalised value under a per-purpose key from DATA_KEY."""
    return _index_with(_current_key(), value, purpose)


def blind_index_candidates(value: str, *, purpose: str) -> list[str]:
    """The index under the current key, then under each old key: lookups during rotation."""
    return [_index_with(key, value, purpose) for key in _known_keys().values()]
