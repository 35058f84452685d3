"""A data folder the program under test really cannot write, also when the tests run as root (as CI does).

Root ignores file modes through its capabilities (CAP_DAC_OVERRIDE and friends), so a chmod alone
would prove nothing there. As root, the program is therefore started without those capabilities:
it is still uid 0 and owns the files, but the kernel holds it to their modes like any user whose
folder was made read-only. Unlike switching to ``nobody``, it can still run the interpreter and
packages wherever root installed them (a pyenv under /root, a checkout in a 0700 folder).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["contents", "held_to_file_modes", "read_only"]

#: The capabilities that let root write, read or chmod regardless of a file's mode.
_BYPASSES = "-dac_override,-dac_read_search,-fowner"


def held_to_file_modes() -> list[str]:
    """A command prefix that makes the program obey file modes: empty for a user, setpriv for root."""
    if os.geteuid() == 0:
        return ["setpriv", f"--bounding-set={_BYPASSES}", "--"]
    return []


def contents(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` with its bytes, to show afterwards that nothing was changed or moved."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` (0o555) and its files (0o444) read-only for the block; restore the modes after.

    Checks first that a program started with held_to_file_modes() is really refused a new file
    there, so a test cannot pass because nothing was denied.
    """
    modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
    for path in modes:
        path.chmod(0o555 if path == folder else 0o444)
    try:
        probe = [*held_to_file_modes(), sys.executable, "-c", "import sys; open(sys.argv[1], 'x')"]
        result = subprocess.run([*probe, str(folder / "probe")], capture_output=True, text=True, timeout=30)
        assert "PermissionError" in result.stderr, f"{folder} is still writable: {result.stderr}"
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
