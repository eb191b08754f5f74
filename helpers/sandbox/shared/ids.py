"""Object IDs and random tokens: ``cus_`` + 24 characters of [A-Za-z0-9], as Stripe's look."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits

# Bytes below this map evenly onto the alphabet (4 x 62 = 248): the others are drawn again.
_EVEN = 256 - 256 % len(_ALPHABET)
# byte -> its character (bytes.translate), and the bytes that are dropped.
_TO_CHARACTER = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) for b in range(256))
_UNEVEN = bytes(range(_EVEN, 256))


def random_token(length: int) -> str:
    """``length`` characters of [A-Za-z0-9] from the OS's randomness, each equally likely: one
    read of ``secrets.token_bytes`` per token (not one per character), about 3% of it dropped,
    mapped in one ``bytes.translate``."""
    drawn = b""
    while len(drawn) < length:
        drawn += secrets.token_bytes(length + 8).translate(_TO_CHARACTER, _UNEVEN)
    return drawn[:length].decode("ascii")


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_token(length)}"
