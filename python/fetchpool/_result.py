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
    content: the body as bytes for a request kept in memory (when it failed with an HTTP
    error: the start of that answer's body, what the server says), else None.
    """

    # Every field is read from the C++ Result when asked for: a Result costs one object,
    # whatever it holds (at 10,000 files a second, copying eleven fields into each was a
    # fifth of the Python side's time), and holds no container for the garbage collector.
    __slots__ = ("_native", "_content")

    def __init__(self, native: "_native.Result") -> None:
        self._native = native
        self._content: Optional[bytes] = None

    @property
    def id(self) -> int:
        return self._native.id

    @property
    def url(self) -> str:
        return self._native.url

    @property
    def path(self) -> Optional[str]:
        return self._native.path or None

    @property
    def label(self) -> str:
        """What displays call it: Request.label ("layer 38f2e5912923" for a pull's blob)."""
        return self._native.label

    @property
    def status(self) -> str:
        return self._native.status.name

    @property
    def category(self) -> str:
        return self._native.category.name

    @property
    def message(self) -> str:
        return self._native.message

    @property
    def http_status(self) -> int:
        return self._native.http_status

    @property
    def size(self) -> int:
        return self._native.bytes

    @property
    def attempts(self) -> int:
        return self._native.attempts

    @property
    def elapsed(self) -> float:
        return self._native.elapsed_s

    @property
    def content(self) -> Optional[bytes]:
        """The body, for a request kept in memory (the same bytes object each time); when it
        failed with an HTTP error, the start of that answer's body (at most 64 KiB: what
        the server says, such as a registry's JSON errors), or None when it sent none."""
        if self._content is None:
            self._content = self._native.body
        return self._content

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
        return self._native.ok

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
