"""A simulated AlgoMesh engine: a WebSocket server that broadcasts STRATEGY_SIGNAL frames.

It speaks exactly the protocol of the engine's API page (JSON text frames on /connect) and
serves the ``--demo`` mode, the tests and the benchmark. Pure asyncio, no Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.http11 import Request, Response

__all__ = ["SignalGenerator", "SimulatedEngine", "main"]

ENGINE_PATH = "/connect"


@dataclass(slots=True)
class _Market:
    strategy: str
    symbol: str
    price: float
    amount: float
    size_type: str


_MARKETS = (
    ("BTC_Momentum_Scalp", "BTCUSDT", 64320.50, 0.05, "percent"),
    ("ETH_Grid", "ETHUSDT", 3150.25, 0.5, "fixed"),
    ("SOL_Breakout", "SOLUSDT", 142.80, 10.0, "fixed"),
    ("Mean_Reversion_FX", "EURUSD", 1.0832, 5.0, "percent"),
)


class SignalGenerator:
    """Plausible signals: prices walk, strategies alternate buys and sells; seeded for tests."""

    def __init__(self, *, seed: int | None = None, trade_type: str = "live") -> None:
        self._random = random.Random(seed)
        self._trade_type = trade_type
        self._markets = [_Market(*market) for market in _MARKETS]

    def next_signal(self) -> dict[str, object]:
        market = self._random.choice(self._markets)
        decimals = 2 if market.price >= 10 else 4
        market.price = round(market.price * (1 + self._random.gauss(0, 0.002)), decimals)
        return {
            "type": "STRATEGY_SIGNAL",
            "action": self._random.choice(("BUY", "SELL")),
            "price": market.price,
            "amount": market.amount,
            "sizeType": market.size_type,
            "orderType": self._random.choice(("Market", "Market", "Limit")),
            "symbol": market.symbol,
            "strategyName": market.strategy,
            "tradeType": self._trade_type,
            "status": "EXECUTED",
        }


class SimulatedEngine:
    """Serves ws://HOST:PORT/connect and sends signals at ``rate`` per second to every client.

    Sending starts when the first client connects (plus ``start_after`` seconds), so a test or
    a new user misses nothing.
    ``count`` stops after that many signals (None: forever); ``frames``, if given, are sent
    verbatim instead of generated signals (to replay a capture or test bad input).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate: float = 1.0,
        count: int | None = None,
        seed: int | None = None,
        trade_type: str = "live",
        frames: Sequence[str] | None = None,
        start_after: float = 0.0,
        on_sent: Callable[[str], None] = lambda frame: None,
    ) -> None:
        self.host = host
        self.port = port
        self.rate = rate
        self.count = len(frames) if frames is not None else count
        self.sent = 0
        self._frames = frames
        self._start_after = start_after
        self._generator = SignalGenerator(seed=seed, trade_type=trade_type)
        self._on_sent = on_sent
        self._server: Server | None = None
        self._clients: set[ServerConnection] = set()
        self._has_client = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{ENGINE_PATH}"

    async def start(self) -> None:
        """Listen (port 0 picks a free one, read back from ``port``) and start sending."""
        self._server = await serve(
            self._serve_client, self.host, self.port, process_request=self._check_path, ping_interval=20
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._sender = asyncio.get_running_loop().create_task(self._send_signals(), name="engine-sender")

    async def wait_done(self) -> None:
        """Return once ``count`` signals are sent (never, when count is None)."""
        assert self._sender is not None
        await asyncio.shield(self._sender)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def send_raw(self, frame: str | bytes) -> None:
        """Send any frame to every client, for tests of what the app does with bad input."""
        broadcast(self._clients, frame)

    def _check_path(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?")[0] != ENGINE_PATH:
            return connection.respond(404, f"The engine listens on {ENGINE_PATH}\n")
        return None

    async def _serve_client(self, connection: ServerConnection) -> None:
        self._clients.add(connection)
        self._has_client.set()
        try:
            await connection.wait_closed()
        finally:
            self._clients.discard(connection)

    async def _send_signals(self) -> None:
        await self._has_client.wait()
        await asyncio.sleep(self._start_after)
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.rate
        next_at = loop.time()
        while self.count is None or self.sent < self.count:
            # Catch up in one go when behind, so high rates are met despite timer granularity.
            while next_at <= loop.time() and (self.count is None or self.sent < self.count):
                if self._frames is not None:
                    frame = self._frames[self.sent]
                else:
                    frame = json.dumps(self._generator.next_signal())
                broadcast(self._clients, frame)
                self.sent += 1
                self._on_sent(frame)
                next_at += interval
            await asyncio.sleep(max(0.0, next_at - loop.time()))


async def _run(arguments: argparse.Namespace) -> None:
    def echo(frame: str) -> None:
        print(frame, flush=True)

    engine = SimulatedEngine(
        host=arguments.host,
        port=arguments.port,
        rate=arguments.rate,
        count=arguments.count,
        seed=arguments.seed,
        trade_type=arguments.trade_type,
        frames=_read_frames(arguments.replay) if arguments.replay else None,
        start_after=arguments.start_after,
        on_sent=echo if arguments.echo else lambda frame: None,
    )
    await engine.start()
    print(f"AlgoMesh simulated engine listening on {engine.url}", file=sys.stderr, flush=True)
    try:
        await engine.wait_done()
        await asyncio.Event().wait()  # keep serving after the last signal until interrupted
    finally:
        await engine.close()


def _read_frames(path: str) -> list[str]:
    with open(path, encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in lines if line.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="algomesh-tray-engine",
        description="Simulated AlgoMesh engine: broadcasts STRATEGY_SIGNAL frames on ws://HOST:PORT/connect.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=52000, help="port (default 52000; 0 picks a free one)")
    parser.add_argument("--rate", type=float, default=1.0, help="signals per second (default 1)")
    parser.add_argument("--count", type=int, default=None, help="stop sending after N signals")
    parser.add_argument("--seed", type=int, default=None, help="random seed, for repeatable runs")
    parser.add_argument("--trade-type", default="live", help="tradeType of the signals (default live)")
    parser.add_argument("--replay", metavar="FILE", help="send each line of FILE as a frame, verbatim, then stop")
    parser.add_argument("--start-after", type=float, default=0.0, metavar="S", help="start S seconds after a client")
    parser.add_argument("--echo", action="store_true", help="print every frame sent, one per line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``algomesh-tray-engine``."""
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if arguments.rate <= 0:
        build_parser().error("--rate must be above 0")
    try:
        asyncio.run(_run(arguments))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        print(f"Cannot start the simulated engine: {error}", file=sys.stderr)
        return 1
    return 0
