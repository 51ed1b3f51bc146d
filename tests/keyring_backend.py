"""Keyring backends for the tests: in memory, and a JSON file a child process can share (named by
WK_TEST_KEYRING; it stands for the OS keyring, the one place a secret may be)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Set with keyring.set_keyring(MemoryKeyring()). Never chosen on its own: a backend class that
    is merely imported is a candidate for keyring's automatic choice, for every test after it."""

    @properties.classproperty
    def priority(cls) -> float:
        if cls is FileKeyring and os.environ.get("WK_TEST_KEYRING"):
            return 1
        raise RuntimeError("a test backend: set it explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class FileKeyring(MemoryKeyring):
    """PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring, for a credential_process child."""

    @property
    def path(self) -> Path:
        return Path(os.environ["WK_TEST_KEYRING"])

    def get_password(self, service: str, username: str) -> str | None:
        self.entries = {tuple(k.split("\0")): v for k, v in self._read().items()}  # type: ignore[misc]
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.get_password(service, username)
        super().set_password(service, username, password)
        self._write()

    def delete_password(self, service: str, username: str) -> None:
        self.get_password(service, username)
        super().delete_password(service, username)
        self._write()

    def _read(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def _write(self) -> None:
        self.path.write_text(json.dumps({"\0".join(k): v for k, v in self.entries.items()}))
