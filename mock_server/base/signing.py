"""Ed25519 signing keys for outbound webhooks, through `cryptography` (never hand-written crypto).

A key is made from 32 secret bytes: given (hex), derived from a seed and a label (the same seed gives the
same key, so a seeded server publishes the same public key every run), or drawn at random. The public key
is shown as 64 hex characters, the form Dakota's SDKs read from DAKOTA_WEBHOOK_PUBLIC_KEY."""

from __future__ import annotations

import hashlib
import os
from typing import Any

KEY_BYTES = 32
INVALID_KEY_HEX = "is not an Ed25519 private key: 64 hexadecimal characters (32 bytes)"


class SigningKey:
    """An Ed25519 private key; `cryptography` is imported on first use, so start-up does not pay for it."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ValueError(f"an Ed25519 private key is {KEY_BYTES} bytes, not {len(secret)}")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key: Any = Ed25519PrivateKey.from_private_bytes(secret)

    @classmethod
    def from_hex(cls, text: str) -> SigningKey:
        return cls(parse_key_hex(text))

    @classmethod
    def derived(cls, seed: int, label: str) -> SigningKey:
        """The same (seed, label) always gives the same key; another label, another key."""
        return cls(hashlib.sha256(f"mock-server webhook signing key|{label}|{seed}".encode()).digest())

    @classmethod
    def random(cls) -> SigningKey:
        return cls(os.urandom(KEY_BYTES))

    @property
    def private_hex(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()

    @property
    def public_hex(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def parse_key_hex(text: str) -> bytes:
    """The 32 bytes of a private key written as 64 hex characters; ValueError otherwise."""
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(INVALID_KEY_HEX) from None
    if len(secret) != KEY_BYTES:
        raise ValueError(INVALID_KEY_HEX)
    return secret


def verify(public_hex: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is the holder of `public_hex`'s signature of `message`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
