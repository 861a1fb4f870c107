"""The blocking API: Engine, Transfer, get(). Every wait is in short steps, so Ctrl-C
(KeyboardInterrupt) is seen within a tenth of a second; it cancels what the call waited
for and is raised again."""

from __future__ import annotations

import builtins
import collections
import itertools
import os
import select
import threading
import time
import weakref
from typing import Any, Iterable, Iterator, Optional, Union

from . import _native
from ._options import (ENGINE_OPTION_NAMES, REQUEST_FIELDS, Headers, Request, engine_options, make_request,
                       native_request)
from ._progress import Progress, TqdmBar, make_display, progress_of
from ._result import Result

_STEP_S = 0.1  # how long one wait blocks before Python looks at signals again
# While an as_completed loop has a long queue of its own items behind the running ones, its
# Results are gathered every _GATHER_S instead of one wake-up per few of them: 10,000 small
# files woke an asyncio loop 3,200 times, 0.09 s of CPU that the engine's threads wanted on
# two cores. The engine has hundreds of queued items meanwhile, so nothing waits.
_GATHER_S = 0.003
_GATHER_BACKLOG = 4  # x max_concurrent items outstanding before results are gathered


def submission_window(max_concurrent: int) -> int:
    """How many of an as_completed loop's items are submitted at once: the command line's
    window, so that a long iterable costs flat memory (a queued transfer is a few KiB)."""
    return max(256, 16 * max_concurrent)

# Engines alive in this process, for the fork rule (see _after_fork_in_child).
_live_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()
# Engines inherited by a forked child: their thread is not in the child, so they are never
# destroyed there (destroying one would join a thread that does not exist).
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    for engine in list(_live_engines):
        engine._abandon_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Transfer:
    """A submitted download. result() waits for it; cancel() stops it at once."""

    __slots__ = ("_handle", "_engine", "id")

    def __init__(self, handle: "_native.TransferHandle", engine: "Engine") -> None:
        self._handle = handle
        self._engine = engine
        self.id: int = handle.id

    def done(self) -> bool:
        return self._handle.done()

    def cancel(self) -> None:
        """Stops the transfer; it ends as "cancelled" and its final name is never written."""
        self._handle.cancel()

    def result(self, timeout: Optional[float] = None) -> Result:
        """Waits until the transfer ends (at most `timeout` seconds: then TimeoutError, and
        the transfer goes on) and returns its Result. Ctrl-C cancels it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                step = _STEP_S if deadline is None else max(0.0, min(_STEP_S, deadline - time.monotonic()))
                native = self._handle.wait_for(step)
                self._engine._drain()  # so that ended transfers no one iterates over are not kept
                if native is not None:
                    return Result(native)
                self._engine._tick()
                if deadline is not None and time.monotonic() >= deadline:
                    raise builtins.TimeoutError(f"transfer {self.id} still running after {timeout} s")
        except KeyboardInterrupt:
            self.cancel()
            raise

    def __repr__(self) -> str:
        return f"<fetchpool.Transfer {self.id} {'done' if self.done() else 'running'}>"


class Engine:
    """Runs downloads on a thread of its own (no Python code runs there, and it holds no
    GIL). Use it as a context manager; close() cancels what is unfinished and joins it.

    Options (all keyword, names as in the C++ EngineOptions, seconds as floats):
    max_concurrent (16), max_per_host, connections_per_file (4), min_split_size,
    output_dir ("."), if_exists ("skip", "fail", "overwrite"), verify_tls (True),
    ca_cert_file, auth / credentials ((user, password) or "user:password"), use_netrc,
    netrc_file, proxy, no_proxy, connect_timeout (10), stall_timeout (30), min_rate
    (1024 bytes/s), max_rate (bytes/s for the whole run; none), max_time (none), retries (5), retry_wait (1), retry_wait_max (60),
    resume (True), verify_server_digest (True), max_redirects (10), location_trusted,
    allow_downgrade, user_agent, unique_paths (True). progress: None; "bar", the command line's live display on
    stderr (drawn only on a terminal); "tqdm"; or a dict of tqdm options.
    """

    def __init__(self, *, progress: Any = None, **options: Any) -> None:
        self._native: Any = _native.Engine(engine_options(options), True)
        self._forked = False
        self._display: Optional[TqdmBar] = make_display(progress, self._native)
        self._last_draw = 0.0
        self._lock = threading.Lock()
        # id -> the deque of whoever waits for it through the completion queue
        self._waiters: dict[int, collections.deque] = {}
        _live_engines.add(self)

    # -- lifetime ---------------------------------------------------------------------------
    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Cancels every unfinished transfer and joins the engine's thread. Idempotent."""
        native = self._native
        if native is None:
            return
        self._native = None
        if self._display is not None:
            self._display, display = None, self._display
            display.finish(progress_of(native.progress()))
        native.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _abandon_after_fork(self) -> None:
        if self._native is not None:
            _inherited.append(self._native)
        self._native = None
        self._display = None
        self._forked = True

    def _engine(self) -> Any:
        if self._native is None:
            if self._forked:
                raise RuntimeError("this fetchpool.Engine belongs to the parent process (made before a fork): "
                                   "make a new one in the child")
            raise RuntimeError("this fetchpool.Engine is closed")
        return self._native

    # -- submitting -------------------------------------------------------------------------
    def submit(self, url_or_request: Union[str, Request], **per_request: Any) -> Transfer:
        """Queues one download and returns at once. per_request: Request's fields
        (file_name, directory, headers, checksum, to_memory, max_time, retries, ...)."""
        handle = self._engine().submit(native_request(url_or_request, per_request))
        self._drain()
        return Transfer(handle, self)

    def get(self, url: str, dest: Union[str, os.PathLike, None] = None, *, timeout: Optional[float] = None,
            checksum: Optional[str] = None, headers: Headers = None, **per_request: Any) -> Result:
        """Downloads one URL and waits for it: to `dest` (a file path, or an existing
        directory or one ending in '/'), or into memory (Result.content) when dest is None.
        timeout: seconds for the whole download, retries included (then category "timeout")."""
        request = _request_for(url, dest, timeout, checksum, headers, per_request)
        transfer = self.submit(request)
        return transfer.result()

    def as_completed(self, items: Iterable[Union[str, Request, Transfer]],
                     timeout: Optional[float] = None) -> Iterator[Result]:
        """Submits the URLs and Requests in `items` (Transfers are taken as they are) and
        yields each Result as its transfer ends, in the order they end. Like the command
        line, it keeps a bounded window of items submitted (max(256, 16 x max_concurrent))
        and takes the next from `items` as each ends, so a generator of a million URLs uses
        flat memory. Leaving the loop early (break, an exception, Ctrl-C) cancels the ones
        not yet yielded and takes no more."""
        mine: collections.deque = collections.deque()
        pending: dict[int, Any] = {}  # id -> native handle
        deadline = None if timeout is None else time.monotonic() + timeout
        last_look = time.monotonic()  # the last time every pending handle was looked at
        remaining = iter(items)
        window = submission_window(self.max_concurrent)
        gather_above = _GATHER_BACKLOG * self.max_concurrent

        def refill() -> None:
            # Straight to the native engine, registered in one go: 10,000 small files spent
            # a tenth of the Python side's time on a Transfer and a drain per item.
            native_engine = self._engine()
            added = []
            for item in itertools.islice(remaining, window - len(pending)):
                handle = item._handle if isinstance(item, Transfer) else native_engine.submit(
                    native_request(item, {}))
                pending[handle.id] = handle
                added.append(handle)
            if not added:
                return
            with self._lock:
                for handle in added:
                    self._waiters[handle.id] = mine
            for handle in added:
                if handle.done():  # ended before it was registered: the handle has it
                    mine.append(handle.wait_for(0))

        try:
            refill()
            while pending:
                while mine:
                    native = mine.popleft()
                    if native is not None and pending.pop(native.id, None) is not None:
                        with self._lock:
                            self._waiters.pop(native.id, None)
                        yield Result(native)
                refill()
                if not pending:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    raise builtins.TimeoutError(f"{len(pending)} transfers still running after {timeout} s")
                if len(pending) > gather_above and len(self._waiters) == len(pending):
                    time.sleep(_GATHER_S)  # nobody else waits on this engine: let Results pile up
                self._wait_for_completions(_STEP_S)
                # Fewer unfinished transfers than pending ones says some ended unseen; with
                # other transfers running beside these it cannot say, so look at least once
                # a second while nothing arrives.
                now = time.monotonic()
                if not mine and (self._engine().unfinished() < len(pending) or now - last_look >= 1.0):
                    last_look = now
                    self._take_from_handles(pending, mine)
                self._tick()
        finally:
            for handle in pending.values():
                handle.cancel()
            with self._lock:
                for transfer_id in pending:
                    self._waiters.pop(transfer_id, None)

    @staticmethod
    def _take_from_handles(pending: dict, mine: collections.deque) -> None:
        """The results of pending transfers that have ended but never reached `mine`.

        The engine hands a Result to the completion queue just before it marks the handle
        done. A _drain() in between (another submit's, another thread's) finds no waiter for
        a Transfer not registered yet and drops it, and the check at registration still saw
        the handle running: then only the handle has the Result. Fewer unfinished transfers
        than pending ones says that some such exist (as_completed waited forever for one in
        5,000 Transfers submitted before it, on a Dask worker)."""
        for handle in list(pending.values()):
            if handle.done():
                mine.append(handle.wait_for(0))

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until every transfer submitted so far has ended (True), or timeout (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                step = _STEP_S if deadline is None else max(0.0, min(_STEP_S, deadline - time.monotonic()))
                if self._engine().wait_idle(step):
                    self._tick(force=True)
                    return True
                self._drain()
                self._tick()
                if deadline is not None and time.monotonic() >= deadline:
                    return False
        except KeyboardInterrupt:  # it waited for everything: Ctrl-C stops everything
            self.cancel_all()
            raise

    def cancel_all(self) -> None:
        self._engine().cancel_all()

    # -- looking ----------------------------------------------------------------------------
    def progress(self) -> Progress:
        """Totals and the running and waiting transfers (bytes, rate, ETA, stalled, retrying)."""
        return progress_of(self._engine().progress())

    @property
    def max_concurrent(self) -> int:
        """Transfers run at once: max_concurrent, or fewer when open files would run out."""
        return self._engine().max_concurrent()

    @property
    def unfinished(self) -> int:
        return self._engine().unfinished()

    # -- the completion queue ---------------------------------------------------------------
    def _wait_for_completions(self, seconds: float) -> None:
        fd = self._engine().completion_fd()
        select.select([fd], [], [], seconds)
        self._drain()

    def _drain(self) -> None:
        """Hands every ended transfer's Result to whoever waits for it; drops the rest (their
        Transfer still has them)."""
        native = self._native
        if native is None:
            return
        ended = native.take_completed()
        if not ended:
            return
        with self._lock:
            for result in ended:
                waiter = self._waiters.get(result.id)
                if waiter is not None:
                    waiter.append(result)

    def _tick(self, force: bool = False) -> None:
        if self._display is None or self._native is None:
            return
        now = time.monotonic()
        if force or now - self._last_draw >= 0.1:
            self._last_draw = now
            self._display.update(progress_of(self._native.progress()))


def _request_for(url: str, dest: Union[str, os.PathLike, None], timeout: Optional[float],
                 checksum: Optional[str], headers: Headers, per_request: dict) -> Request:
    fields = dict(per_request)
    if checksum:
        fields["checksum"] = checksum
    if headers is not None:
        fields["headers"] = headers
    if timeout is not None:
        fields["max_time"] = timeout
    if dest is None:
        fields.setdefault("to_memory", True)
    else:
        path = os.fspath(dest)
        if path.endswith(os.sep) or os.path.isdir(path):
            fields.setdefault("directory", os.path.abspath(path))
        else:
            fields.setdefault("directory", os.path.abspath(os.path.dirname(path) or "."))
            fields.setdefault("file_name", os.path.basename(path))
    return make_request(url, fields)


def split_options(options: dict) -> tuple[dict, dict]:
    """(engine options, request fields) out of one set of keyword arguments: a name both
    have (retries, max_time, if_exists) goes to the engine."""
    engine, request = {}, {}
    for name, value in options.items():
        if name in REQUEST_FIELDS and name not in ENGINE_OPTION_NAMES:
            request[name] = value
        else:
            engine[name] = value  # engine_options names an unknown one
    return engine, request


def get(url: str, dest: Union[str, os.PathLike, None] = None, *, timeout: Optional[float] = None,
        checksum: Optional[str] = None, headers: Headers = None, **options: Any) -> Result:
    """Downloads one URL and returns its Result (never raises for a failed download: call
    result.raise_for_status() for that).

    dest: a file path, or a directory (existing, or ending in '/'); None keeps the body in
    memory (result.content, up to memory_limit bytes, 64 MiB by default). timeout: seconds
    for the whole download, retries included. checksum: "sha256:HEX" (sha512, sha1, md5).
    headers: a dict or "Name: value" lines. options: any Engine option (retries,
    connect_timeout, stall_timeout, auth, proxy, progress="tqdm", ...) or Request field.
    """
    engine_kw, request_kw = split_options(options)
    with Engine(**engine_kw) as engine:
        return engine.get(url, dest, timeout=timeout, checksum=checksum, headers=headers, **request_kw)
