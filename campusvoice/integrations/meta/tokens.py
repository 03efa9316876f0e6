"""Page tokens at rest: Fernet with CAMPUSVOICE_META_TOKEN_KEY (several keys allow rotation)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenKeyError(Exception):
    """The stored token cannot be read with the configured keys (key changed or data damaged)."""


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.CAMPUSVOICE_META_TOKEN_KEY.split(",") if k.strip()]
    if not keys:
        raise ImproperlyConfigured(
            "Set CAMPUSVOICE_META_TOKEN_KEY (a Fernet key) before connecting a Facebook Page."
        )
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("CAMPUSVOICE_META_TOKEN_KEY is not a valid Fernet key.") from exc


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def token_decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenKeyError(
            "The stored Page token cannot be decrypted with CAMPUSVOICE_META_TOKEN_KEY."
        ) from exc
