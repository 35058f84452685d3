"""The listener's proxy: the system's, looked up (urllib.request) only where there can be one."""

from __future__ import annotations

import asyncio
import os

import pytest
from websockets.proxy import get_proxy
from websockets.uri import parse_uri

from algomesh_tray.feed.listener import EngineListener, proxy_option

from ..conftest import wait_until
from ..engines import fast_delays, free_port


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"HOME": "/home/trader", "LANG": "C.UTF-8"}, None),
        ({"http_proxy": ""}, None),  # set but empty: urllib ignores it
        ({"https_proxy": "http://proxy:3128"}, True),
        ({"HTTP_PROXY": "http://proxy:3128"}, True),
        ({"ALL_PROXY": "socks5://proxy:1080"}, True),
        ({"no_proxy": "localhost"}, True),  # nothing to find, but left to urllib to say so
    ],
)
def test_outside_windows_and_macos_the_environment_says_whether_to_look(
    environ: dict[str, str], expected: bool | None
) -> None:
    assert proxy_option(environ, "linux") is expected
    assert proxy_option(environ, "freebsd14") is expected


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_on_windows_and_macos_the_system_settings_are_always_looked_up(platform: str) -> None:
    """Their proxies live in the registry and in System Settings, not only in the environment."""
    assert proxy_option({}, platform) is True


@pytest.mark.parametrize("environ", [{}, {"http_proxy": ""}, {"https_proxy": "http://proxy:3128"}])
def test_no_proxy_is_what_websockets_own_lookup_finds_for_that_environment(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """None only where websockets, asked to look (True), would find no proxy for the engine either."""
    for name in [name for name in os.environ if name.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    found = get_proxy(parse_uri("ws://engine.example:52000/connect"))
    assert found == environ.get("https_proxy")  # websockets takes the https proxy for ws:// too
    assert (proxy_option(os.environ, "linux") is None) == (found is None)


def test_with_a_proxy_in_the_environment_the_listener_connects_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real HTTP proxy on loopback hears the listener's CONNECT for the engine's address."""
    requests: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readline())
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def scenario() -> None:
        server = await asyncio.start_server(proxy, "127.0.0.1", 0)
        proxy_port = server.sockets[0].getsockname()[1]
        engine_port = await free_port()
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy_port}")
        listener = EngineListener(f"ws://engine.example:{engine_port}/connect", on_signal=lambda _: None,
                                  delays=fast_delays)  # fmt: skip
        try:
            listener.start()
            await wait_until(lambda: requests)
        finally:
            await listener.stop()
            server.close()
            await server.wait_closed()
        assert requests[0].startswith(f"CONNECT engine.example:{engine_port} ".encode())

    for name in [name for name in os.environ if name.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    asyncio.run(scenario())


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "[::1]"])
def test_an_engine_on_this_computer_is_never_reached_through_a_proxy(platform: str, host: str) -> None:
    """A proxy elsewhere cannot reach this computer's engine (websockets' own lookup would send it
    there), and on Windows the bypass check would resolve names on the event loop."""
    assert proxy_option({"http_proxy": "http://proxy:3128"}, platform, host=host) is None
    assert proxy_option({"http_proxy": "http://proxy:3128"}, platform, host="engine.example") is True
