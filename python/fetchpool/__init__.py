"""fetchpool: downloads that arrive byte-exact or fail with a reason, from Python.

    import fetchpool
    result = fetchpool.get("https://example.com/a.iso", "downloads/")
    result.raise_for_status()

    with fetchpool.Engine(max_concurrent=32, output_dir="out", retries=5) as engine:
        for result in engine.as_completed(urls):
            print(result.path if result.ok else result.message)

    async with fetchpool.AsyncEngine(max_concurrent=64) as engine:
        result = await engine.get(url)          # the body in result.content

The engine is fetchpool's C++ engine (libcurl underneath); its thread moves the bytes
without the GIL. docs/PYTHON.md has the whole guide.
"""

from typing import TYPE_CHECKING, Any

from ._native import version_string as _version_string
from ._errors import (CancelledError, ChecksumError, Error, FilesystemError, HTTPError, InvalidInputError,
                      NetworkError, ProtocolError, StalledError, TimeoutError, TLSError, TooLargeError)
from ._options import Request
from ._progress import Progress, TransferProgress
from ._pull import PullError, PullResult, pull
from ._result import Result
from ._sync import Engine, Transfer, get

if TYPE_CHECKING:
    from ._async import AsyncEngine


def __getattr__(name: str) -> Any:
    # AsyncEngine on first use: asyncio takes 30 ms to import, half of `import fetchpool`,
    # which a program using only get(), Engine or pull() need not pay.
    if name == "AsyncEngine":
        from ._async import AsyncEngine

        globals()["AsyncEngine"] = AsyncEngine
        return AsyncEngine
    raise AttributeError(f"module 'fetchpool' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"
version: str = _version_string()
"""fetchpool and the libraries it runs on: "fetchpool 0.1.0 (libcurl/7.88.1 OpenSSL/3.0...)"."""

__all__ = ["AsyncEngine", "CancelledError", "ChecksumError", "Engine", "Error", "FilesystemError", "HTTPError",
           "InvalidInputError", "NetworkError", "Progress", "ProtocolError", "PullError", "PullResult", "Request",
           "Result", "StalledError", "TLSError", "TimeoutError", "TooLargeError", "Transfer", "TransferProgress",
           "get", "pull", "version"]
