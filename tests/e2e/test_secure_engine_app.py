"""A wss:// engine, as a trader with an engine on a server runs it: the installed app on the virtual
desktop, its engine a websockets server behind TLS (a certificate the app trusts through
SSL_CERT_FILE); dunst's Notify calls on the session bus are the witness. The app starts without
OpenSSL and loads it for this connection (util/openssl.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..tls import make_certificate, secure_engine
from ..waiting import wait_until
from .desktop import VirtualDesktop
from .helpers import expected_notification, signal_frame

pytestmark = pytest.mark.e2e


def test_a_wss_engines_signals_pop_up_over_tls(desktop: VirtualDesktop, start_program: Any, tmp_path: Path) -> None:
    certificate = make_certificate(tmp_path)
    frame = signal_frame(symbol="ETHUSDT", price=3120.25)
    already = len(desktop.notifications())
    with secure_engine(certificate, lambda: [frame]) as url:
        app = start_program("algomesh-tray", "--data-dir", str(tmp_path / "data"), "--engine", f"VPS={url}",
                            env={**desktop.env, "SSL_CERT_FILE": str(certificate[0])})  # fmt: skip
        app.wait_for_line(f"connected to {url}")
        ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
        popups = wait_until(ours, 20, "the signal's popup on the session bus")
        assert "libcrypto" in Path(f"/proc/{app.process.pid}/maps").read_text()  # loaded for this connection
        assert app.stop() == 0
    assert [(n.summary, n.body) for n in popups] == [expected_notification(json.loads(frame))]
