"""Bridge secrets in a real keyring backend (a file keyring in a scratch home), and without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from algomesh_tray.bridges.credentials import Credentials
credentials = Credentials()
for name, value in json.loads(sys.argv[1]).items():
    credentials.set(name, value)
print(json.dumps({"secrets": credentials.get_all(), "problem": credentials.problem}))
"""


def run(tmp_path: Path, backend: str, changes: str) -> dict[str, object]:
    import json

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend, "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-c", SCRIPT, changes], env=env, capture_output=True, text=True,
                            check=True, timeout=60)  # fmt: skip
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_secrets_are_stored_in_the_keyring_and_deleted_when_emptied(tmp_path: Path) -> None:
    """Set, read back in a new process, then an empty value deletes; nothing in the settings file."""
    backend = "keyrings.alt.file.PlaintextKeyring"
    first = run(tmp_path, backend, '{"telegram_token": "123:SECRET", "webhook_url": "https://example.invalid/h"}')
    assert first["problem"] is None
    again = run(tmp_path, backend, '{"pushover_user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"}')
    assert again["secrets"] == {
        "telegram_token": "123:SECRET",
        "discord_webhook_url": "",
        "webhook_url": "https://example.invalid/h",
        "ntfy_token": "",
        "pushover_token": "",
        "pushover_user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
        "gotify_token": "",
    }
    emptied = run(tmp_path, backend, '{"telegram_token": ""}')
    assert emptied["secrets"]["telegram_token"] == ""  # type: ignore[index]


def test_without_a_keyring_secrets_live_for_the_session_and_the_user_is_told(tmp_path: Path) -> None:
    """keyring's 'fail' backend (what a bare server has): memory only, and a plain message."""
    outcome = run(tmp_path, "keyring.backends.fail.Keyring", '{"telegram_token": "123:SECRET"}')
    assert outcome["secrets"]["telegram_token"] == "123:SECRET"  # type: ignore[index]
    assert "No system keyring is available" in str(outcome["problem"])
