"""What several end-to-end tests share: the simulated engine as a program, the frames it sent, the
popup text the brief specifies for a frame (written independently of the app's formatting), and the
installed app started on a private data folder with its secrets in a real file keyring."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..programs import Program

if TYPE_CHECKING:
    from .desktop import VirtualDesktop

__all__ = ["expected_notification", "expected_price", "secrets_in_a_keyring_file", "sent_frames", "signal_frame",
           "start_app", "start_engine"]  # fmt: skip


def expected_price(price: float) -> str:
    """The brief's price format, written independently of the app: '64,320.50'."""
    text = f"{Decimal(repr(price)):,f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def expected_notification(frame: dict[str, Any]) -> tuple[str, str]:
    amount = f"{Decimal(repr(frame['amount'])).normalize():f}"
    body = (
        f"{amount} ({frame['sizeType']}) @ {expected_price(frame['price'])} · {frame['orderType']} · "
        f"{frame['strategyName']} · {frame['tradeType']} · {frame['status']}"
    )
    return f"{frame['action']} {frame['symbol']}", body


def start_engine(start_program: Any, *arguments: str) -> tuple[Program, int]:
    engine = start_program("algomesh-tray-engine", "--port", "0", "--echo", *arguments)
    line = engine.wait_for_line("listening on ws://")
    port = int(re.search(r":(\d+)/connect", line).group(1))  # type: ignore[union-attr]
    return engine, port


def sent_frames(engine: Program) -> list[dict[str, Any]]:
    return [json.loads(line) for line in engine.lines if line.startswith("{")]


def signal_frame(**changes: object) -> str:
    frame = {"type": "STRATEGY_SIGNAL", "action": "BUY", "price": 64320.5, "amount": 0.05, "sizeType": "percent",
             "orderType": "Market", "symbol": "BTCUSDT", "strategyName": "BTC_Momentum_Scalp", "tradeType": "live",
             "status": "EXECUTED"}  # fmt: skip
    return json.dumps({**frame, **changes})


def secrets_in_a_keyring_file(desktop: VirtualDesktop, tmp_path: Path, secrets: dict[str, str]) -> dict[str, str]:
    """The environment of an app whose keyring is a real file keyring holding ``secrets``."""
    keyring_env = {
        **desktop.env,
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
    }
    script = (
        "import json, sys, keyring\n"
        "for name, value in json.loads(sys.argv[1]).items(): keyring.set_password('algomesh-tray', name, value)"
    )
    subprocess.run([sys.executable, "-c", script, json.dumps(secrets)], env=keyring_env, check=True, timeout=30)
    return keyring_env


def start_app(start_program: Any, tmp_path: Path, settings: dict[str, object], env: dict[str, str]) -> tuple[Any, Path]:
    """The installed app on a private data folder (``tmp_path``/data) holding ``settings``; it and the folder."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "settings.json").write_text(json.dumps(settings))
    return start_program("algomesh-tray", "--data-dir", str(data_dir), env=env), data_dir
