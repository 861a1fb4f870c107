"""The asyncio API: AsyncEngine. Completions reach the event loop through a file
descriptor it watches (loop.add_reader), so the loop never blocks on the engine's thread;
cancelling the task that awaits a transfer cancels the transfer at once."""

from __future__ import annotations

import asyncio
import collections
import functools
import itertools
import os
from typing import Any, AsyncIterator, Iterable, Optional, Union

from . import _native
from ._options import Headers, Request, engine_options, native_request
from ._progress import Progress, TqdmBar, make_display, progress_of
from ._pull import PullResult, pull_options, wait_for_pull_async
from ._result import Result
from ._sync import _GATHER_BACKLOG, _GATHER_S, _request_for, submission_window

_RESOLVE_BATCH = 500  # Results resolved per loop callback, so a burst never holds the loop


class _Stream:
    """What one as_completed loop waits on: the native Results of its transfers, as they end."""

    __slots__ = ("ended", "wake")

    def __init__(self) -> None:
        self.ended: collections.deque = collections.deque()
        self.wake = asyncio.Event()


class AsyncEngine:
    """`async with fetchpool.AsyncEngine(**options) as engine:` the Engine's options
    (max_concurrent, output_dir, retries, connect_timeout, stall_timeout, auth, proxy, ...,
    progress=None, "bar" or "tqdm"). Use it from the event loop's thread only."""

    def __init__(self, *, progress: Any = None, **options: Any) -> None:
        self._options = options
        self._native_options = engine_options(options)
        self._progress_choice = progress
        self._native: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._futures: dict[int, asyncio.Future] = {}
        self._handles: dict[int, Any] = {}
        self._streams: dict[int, "_Stream"] = {}  # transfers an as_completed loop waits for
        self._display: Optional[TqdmBar] = None
        self._ticker: Optional[asyncio.TimerHandle] = None

    async def __aenter__(self) -> "AsyncEngine":
        self._start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def _start(self) -> None:
        if self._native is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._native = _native.Engine(self._native_options, True)
        self._loop.add_reader(self._native.completion_fd(), self._drain)
        self._display = make_display(self._progress_choice, self._native)
        if self._display is not None:
            self._tick()

    async def aclose(self) -> None:
        """Cancels every unfinished transfer (their awaiters get "cancelled" Results) and
        joins the engine's thread, without blocking the loop."""
        native = self._native
        if native is None:
            return
        native.cancel_all()
        for _ in range(500):  # a cancelled transfer ends at once; 5 s at most all the same
            if native.wait_idle(0):
                break
            await asyncio.sleep(0.01)
        self._drain()
        self._loop.remove_reader(native.completion_fd())
        if self._ticker is not None:
            self._ticker.cancel()
        if self._display is not None:
            self._display, display = None, self._display
            display.finish(progress_of(native.progress()))
        self._native = None
        await self._loop.run_in_executor(None, native.close)

    def _engine(self) -> Any:
        if self._native is None:
            self._start()
        return self._native

    # -- submitting -------------------------------------------------------------------------
    def submit(self, url_or_request: Union[str, Request], **per_request: Any) -> "asyncio.Future[Result]":
        """Queues one download; returns a Future of its Result. Cancelling the Future (or the
        task awaiting it, or asyncio.wait_for timing out) cancels the transfer."""
        native = self._engine()
        handle = native.submit(native_request(url_or_request, per_request))
        future = self._loop.create_future()
        self._futures[handle.id] = future
        self._handles[handle.id] = handle
        future.add_done_callback(functools.partial(self._future_done, handle.id))
        return future

    async def get(self, url: str, dest: Union[str, os.PathLike, None] = None, *, timeout: Optional[float] = None,
                  checksum: Optional[str] = None, headers: Headers = None, **per_request: Any) -> Result:
        """As fetchpool.get(): to `dest`, or into memory when dest is None."""
        return await self.submit(_request_for(url, dest, timeout, checksum, headers, per_request))

    async def as_completed(self, items: Iterable[Union[str, Request]]) -> AsyncIterator[Result]:
        """Submits the items and yields each Result as it ends. Like the command line, it
        keeps a bounded window of them submitted (max(256, 16 x max_concurrent)) and takes
        the next from `items` as each ends, so any number of items (a generator of a million)
        uses flat memory. Leaving the loop early (break, an exception, cancellation) cancels
        the ones not yet yielded and takes no more."""
        native = self._engine()
        # No Future per transfer: ended ones go straight to this stream (see _resolve).
        stream = _Stream()
        handles = {}
        remaining = iter(items)
        window = submission_window(native.max_concurrent())
        gather_above = _GATHER_BACKLOG * native.max_concurrent()

        def refill() -> None:
            for item in itertools.islice(remaining, window - len(handles)):
                handle = native.submit(native_request(item, {}))
                handles[handle.id] = handle
                self._streams[handle.id] = stream

        try:
            refill()
            while handles:
                if not stream.ended:
                    stream.wake.clear()
                    await stream.wake.wait()
                while stream.ended:
                    native_result = stream.ended.popleft()
                    if handles.pop(native_result.id, None) is not None:
                        self._streams.pop(native_result.id, None)
                        yield Result(native_result)
                refill()
                if len(handles) > gather_above and not self._futures and len(self._streams) == len(handles):
                    await self._gather(native)
        finally:
            for transfer_id, handle in handles.items():
                handle.cancel()
                self._streams.pop(transfer_id, None)

    async def pull(self, image: str, output: Union[str, os.PathLike], **options: Any) -> PullResult:
        """As fetchpool.pull(), with this engine's options (the pull runs on an engine of its
        own, made with them)."""
        merged = dict(self._options)
        merged.update(options)
        progress = merged.pop("progress", None)
        return await wait_for_pull_async(pull_options(image, output, merged), progress)

    # -- looking ----------------------------------------------------------------------------
    def progress(self) -> Progress:
        return progress_of(self._engine().progress())

    @property
    def max_concurrent(self) -> int:
        return self._engine().max_concurrent()

    # -- the loop's side --------------------------------------------------------------------
    def _future_done(self, transfer_id: int, future: asyncio.Future) -> None:
        self._futures.pop(transfer_id, None)
        handle = self._handles.pop(transfer_id, None)
        if future.cancelled() and handle is not None:
            handle.cancel()

    async def _gather(self, native: Any) -> None:
        """Lets Results pile up for _GATHER_S without waking the loop for them, then takes
        them all. Only while one as_completed loop is all this engine waits for (no Future
        and no other loop would be delayed)."""
        fd = native.completion_fd()
        self._loop.remove_reader(fd)
        try:
            await asyncio.sleep(_GATHER_S)
        finally:
            if self._native is native:
                self._loop.add_reader(fd, self._drain)
                self._drain()

    def _drain(self) -> None:
        native = self._native
        if native is None:
            return
        self._resolve(native.take_completed())

    def _resolve(self, ended: list) -> None:
        for native_result in ended[:_RESOLVE_BATCH]:
            stream = self._streams.get(native_result.id)
            if stream is not None:
                stream.ended.append(native_result)
                stream.wake.set()
                continue
            future = self._futures.get(native_result.id)
            if future is not None and not future.done():
                future.set_result(Result(native_result))
        if len(ended) > _RESOLVE_BATCH:
            self._loop.call_soon(self._resolve, ended[_RESOLVE_BATCH:])

    def _tick(self) -> None:
        if self._display is None or self._native is None:
            return
        self._display.update(progress_of(self._native.progress()))
        self._ticker = self._loop.call_later(0.1, self._tick)
