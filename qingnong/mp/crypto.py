"""Encryption at rest of the accounts' secrets (AppSecret, Token, EncodingAESKey) and access tokens.

The key is ``settings.FIELD_ENCRYPTION_KEY`` (a Fernet key from the environment). Several keys may be
given, separated by commas, to rotate: the first encrypts, all of them decrypt.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured key(s)."""


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(plaintext: str) -> str:
    """The ciphertext of ``plaintext`` ('' stays '')."""
    if not plaintext:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("密钥无法解密：FIELD_ENCRYPTION_KEY 可能已更换") from None
