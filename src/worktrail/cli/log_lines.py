"""Every log record on stderr is one line: control characters in a record's message (a
client's JSON-RPC method, which the SDK logs at DEBUG, say) are written as escapes (`\\n`,
`\\x1b`), so a caller can neither forge a line nor send a terminal its escapes. A traceback,
which is ours, keeps its lines."""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def one_line(text: str) -> str:
    """`text` with each control character escaped."""
    return _CONTROL.sub(_escape, text)


class OneLineFormatter(logging.Formatter):
    """A formatter whose record (its message and whatever the format adds) is one line."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return one_line(super().formatMessage(record))
