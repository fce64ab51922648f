"""Token encryption at rest (Fernet with rotation) and password hashing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.services.sessions.passwords import hash_password, verify_password

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
TOKEN = "EAA-secret-page-token"


def test_round_trip() -> None:
    cipher = TokenCipher([KEY_A])
    assert cipher.decrypt(cipher.encrypt(TOKEN)) == TOKEN


def test_ciphertext_hides_plaintext() -> None:
    assert TOKEN not in TokenCipher([KEY_A]).encrypt(TOKEN)


def test_new_key_list_still_decrypts_old_token() -> None:
    old = TokenCipher([KEY_A]).encrypt(TOKEN)
    assert TokenCipher([KEY_B, KEY_A]).decrypt(old) == TOKEN


def test_rotate_reencrypts_under_newest_key() -> None:
    old = TokenCipher([KEY_A]).encrypt(TOKEN)
    rotated = TokenCipher([KEY_B, KEY_A]).rotate(old)
    assert TokenCipher([KEY_B]).decrypt(rotated) == TOKEN


def test_unknown_key_cannot_decrypt() -> None:
    old = TokenCipher([KEY_A]).encrypt(TOKEN)
    with pytest.raises(TokenDecryptError):
        TokenCipher([KEY_B]).decrypt(old)


def test_cipher_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        TokenCipher([])


def test_hash_format() -> None:
    parts = hash_password("correct horse").split("$")
    assert parts[:2] == ["pbkdf2_sha256", "600000"]
    assert len(parts) == 4
    assert all(parts[2:])


def test_verify_right_password() -> None:
    assert verify_password("correct horse", hash_password("correct horse", iterations=1000))


def test_verify_wrong_password() -> None:
    assert not verify_password("battery staple", hash_password("correct horse", iterations=1000))


@pytest.mark.parametrize(
    "stored",
    ["", "garbage", "pbkdf2_sha256$abc$c2FsdA==$ZGlnZXN0", "md5$1000$c2FsdA==$ZGlnZXN0"],
)
def test_malformed_hash_is_false(stored: str) -> None:
    assert verify_password("correct horse", stored) is False


def test_same_password_hashes_differ() -> None:
    assert hash_password("pw", iterations=1000) != hash_password("pw", iterations=1000)
