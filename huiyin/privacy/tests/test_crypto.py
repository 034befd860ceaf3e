import base64
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from huiyin.privacy.crypto import (
    DecryptionError,
    blind_index,
    blind_index_candidates,
    current_key_id,
    decrypt,
    encrypt,
    key_id,
    needs_rotation,
)

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
ID_NUMBER = "110101199003071234"
CONTEXT = "petitioner.id_number"


@pytest.fixture(autouse=True)
def key_a():
    with override_settings(DATA_KEY=KEY_A, OLD_DATA_KEYS=[]):
        yield


def tamper(token: str) -> str:
    """Flip one bit in the middle of the sealed bytes and re-encode."""
    version, kid, payload = token.split(":")
    blob = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    blob[len(blob) // 2] ^= 0x01
    return f"{version}:{kid}:" + base64.urlsafe_b64encode(bytes(blob)).rstrip(b"=").decode()


def test_it_names_a_key_by_the_first_8_hex_of_its_sha256():
    assert key_id(b"\x00" * 32) == "66687aad"
    assert current_key_id() == key_id(KEY_A)


@pytest.mark.parametrize("plaintext", [ID_NUMBER, "欧阳修文", "四川省绵阳市涪城区 12 号", ""])
def test_it_decrypts_what_it_encrypted(plaintext):
    assert decrypt(encrypt(plaintext, context=CONTEXT), context=CONTEXT) == plaintext


def test_it_writes_a_v1_token_naming_the_key():
    token = encrypt(ID_NUMBER)
    assert re.fullmatch(r"v1:[0-9a-f]{8}:[A-Za-z0-9_-]+", token)
    assert token.split(":")[1] == key_id(KEY_A)


def test_it_leaves_no_trace_of_the_plaintext_in_the_token():
    token = encrypt(ID_NUMBER, context=CONTEXT)
    assert ID_NUMBER not in token
    for start in range(len(ID_NUMBER) - 7):
        assert ID_NUMBER[start : start + 8] not in token
    assert "19900307" not in token


def test_it_uses_a_fresh_nonce_each_time():
    assert encrypt(ID_NUMBER) != encrypt(ID_NUMBER)


def test_its_nonces_never_repeat_across_blocks_threads_or_a_fork(monkeypatch):
    import os
    import threading

    from huiyin.privacy import crypto

    def nonce(token: str) -> bytes:
        return base64.urlsafe_b64decode(token.split(":")[2] + "==")[: crypto.NONCE_BYTES]

    # Several blocks' worth in this thread, and some in another thread at the same time.
    seen = [nonce(encrypt("同一个值")) for _ in range(crypto.NONCE_BATCH * 3 + 7)]
    other: list[bytes] = []
    worker = threading.Thread(target=lambda: other.extend(nonce(encrypt("x")) for _ in range(50)))
    worker.start()
    worker.join()
    assert len(set(seen + other)) == len(seen) + len(other)

    # A forked child must not hand out what is left of its parent's block.
    crypto._nonces.block = b""
    encrypt("x")  # a fresh block, of which one nonce is used
    calls = []
    real_urandom = os.urandom
    monkeypatch.setattr(crypto.os, "urandom", lambda n: calls.append(n) or real_urandom(n))
    encrypt("x")
    assert calls == []  # still the current block
    monkeypatch.setattr(crypto.os, "getpid", lambda: -1)
    encrypt("x")
    assert calls == [crypto.NONCE_BYTES * crypto.NONCE_BATCH]


def test_it_refuses_a_tampered_token():
    token = encrypt(ID_NUMBER, context=CONTEXT)
    with pytest.raises(DecryptionError) as caught:
        decrypt(tamper(token), context=CONTEXT)
    assert key_id(KEY_A) in str(caught.value)


def test_it_refuses_a_truncated_token():
    token = encrypt(ID_NUMBER)
    with pytest.raises(DecryptionError):
        decrypt(token[:20])


@pytest.mark.parametrize("garbage", ["", "110101199003071234", "v2:abcdef01:AAAA", "v1::AAAA"])
def test_it_refuses_what_is_not_a_token(garbage):
    with pytest.raises(DecryptionError):
        decrypt(garbage)


def test_it_refuses_a_token_moved_to_another_field():
    token = encrypt(ID_NUMBER, context="petitioner.id_number")
    with pytest.raises(DecryptionError):
        decrypt(token, context="petitioner.phone")
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_it_names_the_unknown_key_of_a_token_it_cannot_open():
    token = encrypt(ID_NUMBER)
    with (
        override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[]),
        pytest.raises(DecryptionError) as caught,
    ):
        decrypt(token)
    assert caught.value.key_id == key_id(KEY_A)
    assert key_id(KEY_A) in str(caught.value)


def test_it_still_decrypts_with_an_old_key_after_rotation():
    token = encrypt(ID_NUMBER, context=CONTEXT)
    assert not needs_rotation(token)
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        assert decrypt(token, context=CONTEXT) == ID_NUMBER
        assert needs_rotation(token)
        rotated = encrypt(decrypt(token, context=CONTEXT), context=CONTEXT)
        assert rotated.split(":")[1] == key_id(KEY_B)
        assert not needs_rotation(rotated)


def test_it_refuses_a_data_key_of_the_wrong_size():
    with override_settings(DATA_KEY=b"short"), pytest.raises(ImproperlyConfigured):
        encrypt(ID_NUMBER)


def test_it_gives_the_same_blind_index_for_the_same_value_and_purpose():
    first = blind_index(ID_NUMBER, purpose=CONTEXT)
    assert first == blind_index(ID_NUMBER, purpose=CONTEXT)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert ID_NUMBER not in first


def test_it_indexes_the_normalised_value():
    plain = blind_index("11010519491231002X", purpose=CONTEXT)
    assert blind_index("１１０１０５ １９４９１２３１ ００２ｘ", purpose=CONTEXT) == plain


def test_it_separates_blind_indexes_by_purpose():
    assert blind_index(ID_NUMBER, purpose="petitioner.id_number") != blind_index(
        ID_NUMBER, purpose="petitioner.phone"
    )


def test_it_separates_blind_indexes_of_different_values():
    assert blind_index("13812345678", purpose="phone") != blind_index(
        "13812345679", purpose="phone"
    )


def test_it_needs_a_purpose_for_a_blind_index():
    with pytest.raises(ValueError):
        blind_index(ID_NUMBER, purpose="")


def test_it_follows_the_current_key_for_blind_indexes_and_lists_old_ones_during_rotation():
    under_a = blind_index(ID_NUMBER, purpose=CONTEXT)
    with override_settings(DATA_KEY=KEY_B, OLD_DATA_KEYS=[KEY_A]):
        under_b = blind_index(ID_NUMBER, purpose=CONTEXT)
        assert under_b != under_a
        assert blind_index_candidates(ID_NUMBER, purpose=CONTEXT) == [under_b, under_a]
