"""The exceptions Result.raise_for_status() raises: one class per error category."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._result import Result


class Error(Exception):
    """A transfer that did not end ok. `result` is its Result; str() is its message."""

    category = "unknown"

    def __init__(self, result: "Result") -> None:
        super().__init__(f"{result.url}: {result.message}")
        self.result = result


class NetworkError(Error):
    """DNS, connect, reset, truncated body."""

    category = "network"


class TLSError(Error):
    """Certificate verification or handshake failure (or a refused https -> http redirect)."""

    category = "tls"


class TimeoutError(Error, builtins.TimeoutError):
    """A deadline passed: the connect timeout, max_time, or the call's own timeout."""

    category = "timeout"


class StalledError(Error):
    """Nothing (or less than min_rate) arrived for the stall timeout, on every attempt."""

    category = "stalled"


class HTTPError(Error):
    """The server answered with status >= 400; see result.http_status."""

    category = "http"


class ChecksumError(Error):
    """The bytes did not match the expected digest or size."""

    category = "checksum"


class FilesystemError(Error):
    """The output could not be created, written or named."""

    category = "filesystem"


class CancelledError(Error):
    """The transfer was cancelled (Transfer.cancel(), Engine.close(), Ctrl-C)."""

    category = "cancelled"


class InvalidInputError(Error, ValueError):
    """A bad URL, an unsafe file name, a duplicate output path or a bad digest."""

    category = "invalid_input"


class TooLargeError(Error):
    """A body kept in memory was larger than its memory_limit."""

    category = "too_large"


class ProtocolError(Error):
    """The server's answer was not the body asked for (a wrong range, a 3xx without Location...)."""

    category = "protocol"


ERRORS_BY_CATEGORY: dict[str, type[Error]] = {
    cls.category: cls
    for cls in (NetworkError, TLSError, TimeoutError, StalledError, HTTPError, ChecksumError,
                FilesystemError, CancelledError, InvalidInputError, TooLargeError, ProtocolError)
}
