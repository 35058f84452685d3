"""Suite-wide rules: in CI, a skipped test is a failure (end-to-end tests must really run)."""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("CI") and skipped:
        print(f"\nCI: {skipped} test(s) skipped; every test must run in CI.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
