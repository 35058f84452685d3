"""Fixtures for end-to-end tests: one virtual desktop per session, programs started as a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from .desktop import VirtualDesktop, wait_until

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


class Program:
    """A started console program whose output lines are collected as they come."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log_path.open("w") as log:
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                log.write(line)
                log.flush()

    def wait_for_line(self, text: str, timeout: float = 15) -> str:
        found = wait_until(
            lambda: next((line for line in self.lines if text in line), None) or self.process.poll() is not None,
            timeout,
            f"'{text}' in {self.log_path.name}",
        )
        assert isinstance(found, str), f"program exited ({self.process.returncode}) before '{text}':\n" + "\n".join(
            self.lines[-30:]
        )
        return found

    def stop(self, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"{self.log_path.name} did not stop within {timeout} s") from None


@pytest.fixture
def start_program(tmp_path: Path) -> Iterator[object]:
    """Start a program of the installed package by its console name, stopped after the test."""
    started: list[Program] = []

    def start(name: str, *arguments: str, env: dict[str, str] | None = None, prefix: Sequence[str] = ()) -> Program:
        """``prefix`` starts the program through another (e.g. tests/read_only.held_to_file_modes())."""
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
