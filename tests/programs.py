"""Programs the tests start as a user would, their output collected as it comes."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from .waiting import wait_until

__all__ = ["Program"]


class Program:
    """A started console program whose output lines are collected as they come."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.lines: list[str] = []
        #: When each line was read (time.time()), for tests that time what a program printed.
        self.read_at: list[float] = []
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log_path.open("w") as log:
            for line in self.process.stdout:
                self.read_at.append(time.time())
                self.lines.append(line.rstrip("\n"))
                log.write(line)
                log.flush()

    def wait_for_line(self, text: str, timeout: float = 15) -> str:
        """The first output line holding ``text``; fails with the output so far if none comes in time."""
        try:
            found = wait_until(
                lambda: next((line for line in self.lines if text in line), None) or self.process.poll() is not None,
                timeout,
                f"'{text}' in {self.log_path.name}",
            )
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; the output so far:\n" + "\n".join(self.lines[-30:])) from None
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
