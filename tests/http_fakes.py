"""A real HTTP server on loopback that answers as Telegram's Bot API and Discord's webhooks do.

Neither service can be reached from here; tests of the bridges talk to this instead.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "FakeService", "Seen"]


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True, "result": {}})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    payload: Any
    at: float


class FakeService:
    """A real HTTP server on 127.0.0.1; answers are scripted per request, the default is success."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.default = Answer()
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.release.set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length) or b"null")
                service.seen.append(Seen(self.path, payload, time.monotonic()))
                service.release.wait(10)
                answer = service.answers.pop(0) if service.answers else service.default
                if answer.delay:
                    time.sleep(answer.delay)
                body = b"" if answer.status == 204 else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in {"content-type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up mid-request (a closed bridge) is part of the tests

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
