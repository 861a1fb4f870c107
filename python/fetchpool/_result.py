"""Result: how one transfer ended, with Python types."""

from __future__ import annotations

from typing import Optional

from . import _native
from ._errors import ERRORS_BY_CATEGORY, CancelledError, Error


class Result:
    """How one transfer ended.

    ok: True when the file (or `content`) is complete and verified, or was already there
    (status "skipped"). status: "ok", "skipped", "failed" or "cancelled". category: why it
    failed ("network", "tls", "timeout", "stalled", "http", "checksum", "filesystem",
    "cancelled", "invalid_input", "too_large", "protocol"; "none" when ok). message: for a
    person, with what to do next. path: the output file (None when kept in memory).
    content: the body as bytes for a request kept in memory, else None.
    """

    __slots__ = ("id", "url", "path", "status", "category", "message", "http_status", "size", "attempts",
                 "elapsed", "content", "_native")

    def __init__(self, native: "_native.Result") -> None:
        self.id: int = native.id
        self.url: str = native.url
        self.path: Optional[str] = native.path or None
        self.status: str = native.status.name
        self.category: str = native.category.name
        self.message: str = native.message
        self.http_status: int = native.http_status
        self.size: int = native.bytes
        self.attempts: int = native.attempts
        self.elapsed: float = native.elapsed_s
        self.content: Optional[bytes] = native.body
        # The lists are made when asked for: thousands of Results alive at once then hold
        # no containers for the garbage collector to walk.
        self._native = native

    @property
    def attempt_errors(self) -> list[str]:
        """Why each failed attempt failed, in order ("attempt 1: HTTP 503 ...")."""
        return self._native.attempt_errors

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The last response's headers, in order, for a request kept in memory."""
        return self._native.headers

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")

    def header(self, name: str) -> Optional[str]:
        """The first response header called `name` (any case), for a request kept in memory."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def raise_for_status(self) -> "Result":
        """Raises the fetchpool.Error subclass of the category unless ok; returns self."""
        if self.ok:
            return self
        if self.status == "cancelled":
            raise CancelledError(self)
        raise ERRORS_BY_CATEGORY.get(self.category, Error)(self)

    def __repr__(self) -> str:
        where = self.path if self.path else f"{self.size} bytes in memory"
        detail = "" if self.ok else f" {self.category}: {self.message!r}"
        return f"<fetchpool.Result {self.status} {self.url} -> {where}{detail}>"
