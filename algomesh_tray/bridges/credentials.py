"""Bridge secrets (bot token, webhook URLs) in the OS keyring, never in the settings file. No Qt.

Keyring calls may talk to a D-Bus service and block: the app calls these from a worker
thread. Without a usable keyring the secrets are kept in memory for the session, and
``problem`` says so in words for the user.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from .kinds import SECRET_NAMES

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = ["SECRET_NAMES", "Credentials"]

log = logging.getLogger(__name__)

SERVICE = "algomesh-tray"


class Credentials:
    """get/set secrets by name; an empty value deletes."""

    def __init__(self, service: str = SERVICE, *, backend: KeyringBackend | None = None) -> None:
        """``backend``: a keyring backend to use instead of the one keyring picks for this system."""
        self._service = service
        self._backend = backend
        self._memory: dict[str, str] = {}
        self.problem: str | None = None

    def _keyring(self) -> Any:
        """The chosen backend, or the keyring module (same methods), imported only when needed."""
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring

    def get(self, name: str) -> str:
        if name in self._memory:
            return self._memory[name]
        try:
            return self._keyring().get_password(self._service, name) or ""
        except Exception as error:  # no backend, locked, D-Bus gone: all mean "not available"
            self._no_keyring(error)
            return ""

    def set(self, name: str, value: str) -> None:
        try:
            from keyring.errors import PasswordDeleteError

            if value:
                self._keyring().set_password(self._service, name, value)
            else:
                with contextlib.suppress(PasswordDeleteError):
                    self._keyring().delete_password(self._service, name)
            self._memory.pop(name, None)
        except Exception as error:
            self._no_keyring(error)
            self._memory[name] = value

    def get_all(self) -> dict[str, str]:
        return {name: self.get(name) for name in SECRET_NAMES}

    def _no_keyring(self, error: Exception) -> None:
        if self.problem is None:
            log.warning("no usable keyring: %s", type(error).__name__)  # never the secret, never the message
            self.problem = (
                "No system keyring is available, so bridge tokens and webhook addresses are kept only until "
                "you quit. Install and unlock a keyring (GNOME Keyring, KWallet) to keep them."
            )
