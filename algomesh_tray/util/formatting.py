"""How a signal reads: numbers for people, untrusted text made safe to show. No Qt.

Everything here turns feed text into text; nothing here interprets it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = [
    "BIDI_CONTROLS",
    "CONTROLS",
    "escape_markup",
    "format_amount",
    "format_duration",
    "format_price",
    "format_size",
    "format_time",
    "format_volume",
    "plural",
    "safe_text",
]

#: Bidirectional controls: they would let a name reorder the text around it.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
#: Unicode's control characters (category Cc, fixed by its stability policy: U+0000-U+001F and
#: U+007F-U+009F), without the unicodedata module (0.2 MB of tables mapped by the idle app).
CONTROLS = frozenset(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
_UNSAFE = str.maketrans(dict.fromkeys(BIDI_CONTROLS | CONTROLS, "\ufffd"))


def safe_text(text: str, limit: int | None = None) -> str:
    """Text with control and direction-changing characters made visible, shortened to ``limit``."""
    cleaned = text.translate(_UNSAFE)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned


#: What html.escape replaces, without importing ``html`` (its entity tables: 0.6 MB of the idle app).
_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKUP_AND_QUOTES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape_markup(text: str, *, quote: bool = False) -> str:
    """Escape for notification daemons that read a body as markup (dunst, GNOME, KDE), and for
    Qt's rich text (``quote`` for attribute values too): what ``html.escape`` does."""
    return text.translate(_MARKUP_AND_QUOTES if quote else _MARKUP)


def format_price(price: float) -> str:
    """64320.5 -> '64,320.50'; 1.0832 -> '1.0832': at least two decimals, at most eight."""
    text = f"{price:,.8f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def format_amount(amount: float) -> str:
    """0.05 -> '0.05'; 10.0 -> '10'."""
    return f"{amount:,.8f}".rstrip("0").rstrip(".")


def format_time(when: float) -> str:
    """Unix time as local time: '20:10:17' today, '2026-11-29 20:10:17' on another day."""
    local = time.localtime(when)
    if local[:3] == time.localtime()[:3]:
        return time.strftime("%H:%M:%S", local)
    return time.strftime("%Y-%m-%d %H:%M:%S", local)


def format_duration(seconds: float) -> str:
    """A length of time as a trader says it: '8 s', '3 min 5 s', '2 h 4 min', '3 d 1 h'."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_size(amount: float, size_type: str, limit: int | None = None) -> str:
    """0.05, 'percent' -> '0.05 (percent)'; the size type is feed text, made safe."""
    return f"{format_amount(amount)} ({safe_text(size_type, limit)})"


def format_volume(volume: Mapping[str, float], limit: int | None = None) -> str:
    """Amounts summed per size type, which do not add up across types: '3 (percent) + 0.5 (units)'."""
    return " + ".join(format_size(amount, size_type, limit) for size_type, amount in volume.items()) or "0"


def plural(count: int, noun: str) -> str:
    """``1 signal``, ``1,200 signals``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
