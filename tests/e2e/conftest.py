"""Fixtures for end-to-end tests: one virtual desktop per session, programs started as a user would."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from algomesh_tray.startup import WELCOME_MARKER

from ..programs import Program
from .desktop import VirtualDesktop

BIN = Path(sys.executable).parent
#: Screenshots for a person to look at; CI keeps them.
ARTIFACTS = Path(os.environ.get("ALGOMESH_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))


@pytest.fixture(scope="session")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualDesktop]:
    """Xvfb + D-Bus + trayer + dunst + dbus-monitor, shared by the end-to-end tests."""
    virtual = VirtualDesktop(tmp_path_factory.mktemp("desktop"))
    try:
        yield virtual.start()
    finally:
        virtual.stop()


@pytest.fixture
def start_program(tmp_path: Path) -> Iterator[object]:
    """Start a program of the installed package by its console name, stopped after the test."""
    started: list[Program] = []

    def start(
        name: str, *arguments: str, env: dict[str, str] | None = None, prefix: Sequence[str] = (), welcomed: bool = True
    ) -> Program:
        """``prefix`` starts the program through another (e.g. tests/read_only.held_to_file_modes()).
        ``welcomed``: the app on a --data-dir folder starts as after its first run (the welcome
        window, which has no window manager here to place it, would sit over the tray); the first
        run's own test passes False."""
        if name == "algomesh-tray" and welcomed and "--data-dir" in arguments:
            folder = Path(arguments[arguments.index("--data-dir") + 1])
            if not folder.exists():
                folder.mkdir(mode=0o700, parents=True)  # as the app makes it: private
            (folder / WELCOME_MARKER).touch()
        program = Program(
            [*prefix, str(BIN / name), *arguments], env or dict(os.environ), tmp_path / f"{name}-{len(started)}.log"
        )
        started.append(program)
        return program

    yield start
    for program in started:
        if program.process.poll() is None:
            program.process.kill()
            program.process.wait()
