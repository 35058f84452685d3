"""An engine's name and address, checked as a trader types them: each refusal says why."""

from __future__ import annotations

import pytest

from algomesh_tray.feed.engines import (
    Engine,
    EngineError,
    check_engines,
    engine_from_argument,
    engine_from_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://127.0.0.1:52001/connect", Engine("VPS", "127.0.0.1", 52001, "/connect", False)),
        ("wss://engine.example.com/feed", Engine("VPS", "engine.example.com", 443, "/feed", True)),
        ("ws://[::1]:52000/connect", Engine("VPS", "::1", 52000, "/connect", False)),
        ("  ws://localhost  ", Engine("VPS", "localhost", 80, "/", False)),
    ],
)
def test_an_address_pasted_whole_is_split_into_its_parts(url: str, expected: Engine) -> None:
    engine = engine_from_url("VPS", url)
    assert engine == expected
    assert engine_from_url("VPS", engine.url) == engine  # the url it shows reads back the same


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:52000/connect", "must start with ws:// or wss://"),
        ("ws://localhost:99999/connect", "port must be a number from 1 to 65535"),
        ("ws://bad host:1/x", "not a valid host"),
        ("ws:///connect", "host is empty"),
        ("localhost:52000", "must start with ws://"),
        ("ws://user:pw@h.example:1/connect", "may not hold a name, password"),
        ("ws://h.example:1/connect?token=abc", r"may not hold a name, password, \? or #"),
        ("ws://h.example:1/connect#f", "may not hold"),
    ],
)
def test_an_address_that_is_not_an_engines_is_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(EngineError, match=reason):
        engine_from_url("VPS", url)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("VPS\n2", "control characters"),
        ("VPS\u202e", "control characters"),  # a direction override would reverse what follows it
        ("\tVPS", "control characters"),
        (" VPS", "may not start or end with spaces"),
        ("x" * 41, "at most 40 characters"),
    ],
)
def test_a_name_is_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(EngineError, match=reason):
        Engine(name=name).validated()


def test_two_engines_may_share_neither_a_name_nor_an_address() -> None:
    desk = Engine("Desk")
    with pytest.raises(EngineError, match="Two engines are called 'desk'"):
        check_engines([desk, Engine("desk", port=52001)])
    with pytest.raises(EngineError, match="'VPS' and 'Desk' have the same address"):
        check_engines([desk, Engine("VPS", host="LOCALHOST")])
    with pytest.raises(EngineError, match="at least one engine"):
        check_engines([])
    for same_computer in ("127.0.0.1", "::1", "127.0.0.2"):  # localhost under another name: logged twice
        with pytest.raises(EngineError, match="have the same address"):
            check_engines([desk, Engine("VPS", host=same_computer)])
    check_engines([desk, Engine("VPS", port=52001), Engine("Secure", secure=True)])  # wss is another address


def test_the_command_lines_name_equals_url() -> None:
    assert engine_from_argument("Desk=ws://127.0.0.1:5/connect") == Engine("Desk", "127.0.0.1", 5, "/connect")
    with pytest.raises(EngineError, match="is not NAME=URL"):
        engine_from_argument("ws://127.0.0.1:5/connect")
    with pytest.raises(EngineError, match="needs a name"):
        engine_from_argument("=ws://127.0.0.1:5/connect")
