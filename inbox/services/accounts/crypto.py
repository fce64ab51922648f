"""Platform tokens at rest: Fernet with rotation (MultiFernet, newest key first)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_NO_KEY = "token was encrypted with a key that is not configured"


class TokenDecryptError(ValueError):
    """A stored token cannot be decrypted with any configured key."""


class TokenCipher:
    """Encrypts with the first key, decrypts with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a token with the newest key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt a token encrypted with any configured key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise TokenDecryptError(_NO_KEY) from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt a stored token under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise TokenDecryptError(_NO_KEY) from exc
