"""A real HTTP server on loopback that answers as Telegram's Bot API and Discord's webhooks do, and
rules that make it answer as ntfy, Pushover and Gotify do (their public API documentation: ntfy's
publish as JSON to ``/``, Pushover's ``/1/messages.json`` and its emergency-priority rules,
Gotify's ``/message``), down to their error bodies.

None of these services can be reached from here; tests of the bridges talk to this instead.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "FakeService", "Rule", "Seen", "gotify_rule", "ntfy_rule", "pushover_rule"]


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
    #: The request's headers, names in lower case.
    headers: dict[str, str] = field(default_factory=dict)


#: How a service answers a request it was not scripted to answer; None: the default answer.
Rule = Callable[[Seen], Answer | None]


class FakeService:
    """A real HTTP server on 127.0.0.1; answers are scripted per request, then ``rule`` (a service's
    checks), then the default, success."""

    def __init__(self, rule: Rule | None = None) -> None:
        self.answers: list[Answer] = []
        self.default = Answer()
        self.rule = rule
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.release.set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length) or b"null")
                headers = {name.lower(): value for name, value in self.headers.items()}
                seen = Seen(self.path, payload, time.monotonic(), headers)
                service.seen.append(seen)
                service.release.wait(10)
                ruled = service.rule(seen) if service.rule is not None else None
                answer = service.answers.pop(0) if service.answers else ruled or service.default
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


def _answer(status: int, body: Any) -> Answer:
    return Answer(status, body)


#: The topic names ntfy accepts.
_NTFY_TOPIC = re.compile(r"[-_A-Za-z0-9]{1,64}")
#: ntfy's answer when a client sends too much (its errors are {"code", "http", "error"}).
NTFY_LIMIT_REACHED = {"code": 42901, "http": 429, "error": "limit reached: too many requests"}


def ntfy_rule(*, token: str | None = None) -> Rule:
    """ntfy's publish as JSON: POST to ``/`` with the topic in the body. ``token``: the topic is
    protected; without a token ntfy answers 403, with a wrong one 401."""

    def rule(seen: Seen) -> Answer | None:
        if seen.path != "/":
            return _answer(404, {"code": 40401, "http": 404, "error": "page not found"})
        payload = seen.payload if isinstance(seen.payload, dict) else {}
        if not _NTFY_TOPIC.fullmatch(str(payload.get("topic", ""))):
            return _answer(400, {"code": 40009, "http": 400, "error": "invalid request: topic invalid"})
        if payload.get("priority", 3) not in (1, 2, 3, 4, 5):
            return _answer(400, {"code": 40007, "http": 400, "error": "invalid priority"})
        authorization = seen.headers.get("authorization")
        if token is not None and authorization is None:
            return _answer(403, {"code": 40301, "http": 403, "error": "forbidden"})
        if token is not None and authorization != f"Bearer {token}":
            return _answer(401, {"code": 40101, "http": 401, "error": "unauthorized"})
        return _answer(200, {"id": "hwQ2YpKdmg", "time": int(time.time()), "event": "message", **payload})

    return rule


def _pushover_problem(payload: dict[str, Any], token: str, user: str) -> tuple[str, str] | None:
    """The first thing Pushover would refuse in ``payload``: (the parameter, its error), or None."""
    message, title = str(payload.get("message", "")), str(payload.get("title", ""))
    emergency = payload.get("priority", 0) == 2
    retry, expire = payload.get("retry"), payload.get("expire")
    checks = (
        (payload.get("token") != token, "token", "application token is invalid"),
        (payload.get("user") != user, "user", "user identifier is invalid"),
        (not message, "message", "message cannot be blank"),
        (len(message) > 1024, "message", "message is too long"),
        (len(title) > 250, "title", "title is too long"),
        (emergency and retry is None, "retry", "retry must be supplied with priority=2"),
        (emergency and expire is None, "expire", "expire must be supplied with priority=2"),
        (emergency and retry is not None and retry < 30, "retry", "retry must be at least 30 seconds"),
        (emergency and expire is not None and expire > 10800, "expire", "expire cannot be more than 10800 seconds"),
    )
    return next(((name, error) for failed, name, error in checks if failed), None)


def pushover_rule(*, token: str, user: str) -> Rule:
    """Pushover's Message API: ``/1/messages.json``, the application token and user key in the
    body, the message at most 1024 characters and the title 250, and emergency priority (2) only
    with retry (at least 30) and expire (at most 10800). Errors are 400 with ``status`` 0."""

    def rule(seen: Seen) -> Answer | None:
        if seen.path != "/1/messages.json":
            return _answer(404, {"errors": ["not found"], "status": 0})
        payload = seen.payload if isinstance(seen.payload, dict) else {}
        if (problem := _pushover_problem(payload, token, user)) is not None:
            name, error = problem
            return _answer(400, {name: "invalid", "errors": [error], "status": 0, "request": "5042853c-402d-4a18"})
        receipt = {"receipt": "rLqVuqTRh62UzxtmqiaLzQmVcPgiCy"} if payload.get("priority") == 2 else {}
        return _answer(200, {"status": 1, "request": "e460545a-8e5a", **receipt})

    return rule


def gotify_rule(*, token: str) -> Rule:
    """Gotify's ``POST /message`` with the application token in X-Gotify-Key; errors are
    {"error", "errorCode", "errorDescription"}."""

    def rule(seen: Seen) -> Answer | None:
        if seen.path != "/message":
            return _answer(404, {"error": "Not Found", "errorCode": 404, "errorDescription": "page not found"})
        if seen.headers.get("x-gotify-key") != token:
            return _answer(401, {"error": "Unauthorized", "errorCode": 401,
                                 "errorDescription": "you need to provide a valid access token or user credentials "
                                 "to access this api"})  # fmt: skip
        payload = seen.payload if isinstance(seen.payload, dict) else {}
        if not payload.get("message"):
            return _answer(400, {"error": "Bad Request", "errorCode": 400,
                                 "errorDescription": "Field 'message' is required"})  # fmt: skip
        return _answer(200, {"id": 25, "appid": 5, "date": "2026-12-03T12:03:00Z", **payload})

    return rule
