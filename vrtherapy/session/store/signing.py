"""The station's signing key: Ed25519, kept in the user config folder, never in the database.

Checkpoints in the ledger and receipts are signed with it, so an edit made with
access to the database alone cannot produce a valid signature. The key file is
created on first use with mode 0600; a key file that others can read is refused.
Public keys of other stations sharing the database are trusted by putting them
(one ``<fingerprint>.pub`` file each, as printed by ``vrtherapy verify``) in the
``trusted-keys`` folder next to the key.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import platformdirs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "record-signing-key.pem"
TRUSTED_FOLDER = "trusted-keys"


class SigningKeyError(RuntimeError):
    """The signing key cannot be used; the message says why and what to do."""


def config_dir() -> Path:
    """$VRTHERAPY_CONFIG_DIR or the user config folder."""
    override = os.environ.get("VRTHERAPY_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("vrtherapy"))


def fingerprint(public_hex: str) -> str:
    """A short, readable name of a public key: SHA-256 of its raw bytes, 4 groups of 4."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def check_signature(public_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


class SigningKey:
    def __init__(self, private: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._private = private
        self.path = path
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_hex = raw.hex()
        self.fingerprint = fingerprint(self.public_hex)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path | None = None) -> SigningKey:
        """The key at ``path`` (default: the user config folder), made there on first use."""
        path = path or config_dir() / KEY_FILE
        if not path.exists():
            return cls._create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SigningKeyError(
                f"the record signing key {path} can be read by others (mode {mode:o}); "
                f"make it private with: chmod 600 {path}"
            )
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise SigningKeyError(f"cannot read the record signing key {path}: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise SigningKeyError(f"{path} is not an Ed25519 key")
        return cls(private, path)

    @classmethod
    def _create(cls, path: Path) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return cls.load_or_create(path)
        except OSError as exc:
            raise SigningKeyError(f"cannot create the record signing key {path}: {exc}") from None
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        return cls(key, path)

    def sign(self, message: bytes) -> str:
        return self._private.sign(message).hex()

    def trusted(self) -> dict[str, str]:
        """Public keys (hex) by fingerprint: this key and those in ``trusted-keys/``."""
        out = {self.fingerprint: self.public_hex}
        folder = (self.path.parent if self.path else config_dir()) / TRUSTED_FOLDER
        if folder.is_dir():
            for f in sorted(folder.glob("*.pub")):
                text = f.read_text(encoding="utf-8").strip()
                try:
                    Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
                except ValueError:
                    message = f"{f} is not an Ed25519 public key (64 hex digits)"
                    raise SigningKeyError(message) from None
                out[fingerprint(text)] = text
        return out
