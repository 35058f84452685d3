"""The "show your window" knock from a second launch to the running app, on POSIX: a Unix socket
beside the instance lock (instance_lock). No Qt.

Qt's QLocalServer does the same, but it loads QtNetwork and the Kerberos and TLS libraries that
links: 2.8 MB of the idle app, and 20 ms of every launch, to pass five bytes. Python on Windows
has no AF_UNIX, so Windows keeps QLocalServer (qt/local_server_door.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["SHOW", "knock", "listen", "runtime_folder", "socket_path"]

SHOW = b"show\n"


def runtime_folder() -> Path:
    """The user's runtime folder (XDG_RUNTIME_DIR, private to them), else the temp folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())


def socket_path(name: str) -> Path:
    return runtime_folder() / f"{name}.sock"


def knock(path: Path, timeout: float, on_answer: Callable[[], object] = lambda: None) -> bool:
    """Ask the app listening at ``path`` to show its window; False if none listens there.

    ``on_answer`` runs once it is known to be there, before it is asked (platform/foreground.py).
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as knocker:
            knocker.settimeout(timeout)
            knocker.connect(str(path))
            on_answer()
            knocker.sendall(SHOW)
    except OSError:  # no socket, a crashed instance's (refused), a timeout
        return False
    return True


def listen(path: Path) -> socket.socket:
    """A non-blocking socket listening at ``path`` that only this user may connect to.

    Call only while holding the instance lock: the file at ``path`` is then a crashed instance's
    and is replaced. Raises OSError if it cannot listen (the app then runs without the knock).
    """
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        os.chmod(path, 0o600)  # the runtime folder is private already; the temp folder is not
        server.listen(16)
        server.setblocking(False)
    except OSError:
        server.close()
        raise
    return server
