"""Telegram: the Bot API's sendMessage in HTML mode, feed text escaped. No Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title
from ..util.formatting import escape_markup, safe_text
from .request import BridgeRequest, safe_lines

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["TELEGRAM_API", "telegram_request", "telegram_status_request"]

TELEGRAM_API = "https://api.telegram.org"


def telegram_request(
    record: TradeRecord, *, token: str, chat_id: str, base_url: str = TELEGRAM_API, name_engine: bool = False
) -> BridgeRequest:
    """Bot API sendMessage with parse_mode HTML: feed text is escaped, our own markup is bold."""
    title = escape_markup(
        notification_title(record.signal, record.engine if name_engine else None)
    )  # HTML mode needs only <, > and & escaped
    return _send_message(base_url, token, chat_id, title, escape_markup(notification_body(record.signal)))


def telegram_status_request(alert: Notice, *, token: str, chat_id: str, base_url: str = TELEGRAM_API) -> BridgeRequest:
    """The engine alert as a sendMessage in HTML mode: the title bold, the words (which may quote
    the engine's error) escaped; within Telegram's 4096 characters even if every one needs escaping."""
    title = escape_markup(safe_text(alert.title, 100))
    return _send_message(base_url, token, chat_id, title, escape_markup(safe_lines(alert.body, 700)))


def _send_message(base_url: str, token: str, chat_id: str, title: str, body: str) -> BridgeRequest:
    """sendMessage in HTML mode: ``title`` (escaped already) in bold above ``body`` (escaped already)."""
    return BridgeRequest(
        f"{base_url.rstrip('/')}/bot{token}/sendMessage",
        {"chat_id": chat_id, "text": f"<b>{title}</b>\n{body}", "parse_mode": "HTML",
         "disable_web_page_preview": True},
        secrets=(token,),
    )  # fmt: skip
