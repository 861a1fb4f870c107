"""Where transfers stand (Engine.progress()), and the tqdm bar that shows it."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional

from . import _native

STALLED_AFTER_S = _native.STALLED_AFTER_S


@dataclasses.dataclass(frozen=True)
class TransferProgress:
    """One running or waiting transfer. eta: seconds, None when unknown; stalled: nothing
    arrived for 5 s or more; retrying: waiting for its next attempt (retry_in s, after
    last_error)."""

    id: int
    path: str
    label: str
    phase: str
    bytes: int
    total: Optional[int]
    rate: float
    eta: Optional[float]
    elapsed: float
    idle: float
    stalled: bool
    retrying: bool
    connections: int
    attempt: int
    max_attempts: int
    retry_in: float
    last_error: str


@dataclasses.dataclass(frozen=True)
class Progress:
    """Totals over everything submitted so far (ok counts skipped files, failed counts
    cancelled ones), and the running and waiting transfers, oldest first."""

    submitted: int
    ok: int
    failed: int
    running: int
    queued: int
    waiting: int
    stalled: int
    bytes: int
    rate: float
    elapsed: float
    transfers: list[TransferProgress]

    @property
    def finished(self) -> int:
        return self.ok + self.failed


def _row(native: "_native.TransferProgress") -> TransferProgress:
    total = native.total if native.total >= 0 else None
    eta = (total - native.bytes) / native.rate if total is not None and native.rate > 0 else None
    phase = native.phase.name
    return TransferProgress(
        id=native.id, path=native.path, label=native.label, phase=phase, bytes=native.bytes, total=total,
        rate=native.rate, eta=eta, elapsed=native.elapsed_s, idle=native.idle_s,
        stalled=phase != "waiting" and native.idle_s >= STALLED_AFTER_S, retrying=phase == "waiting",
        connections=native.connections, attempt=native.attempt, max_attempts=native.max_attempts,
        retry_in=native.retry_in_s, last_error=native.last_error)


def progress_of(snapshot: "_native.ProgressSnapshot") -> Progress:
    t = snapshot.totals
    return Progress(submitted=t.submitted, ok=t.ok, failed=t.failed, running=t.running, queued=t.queued,
                    waiting=t.waiting, stalled=t.stalled, bytes=t.bytes, rate=t.rate, elapsed=t.elapsed_s,
                    transfers=[_row(row) for row in snapshot.transfers])


class TqdmBar:
    """A tqdm bar over files finished of files submitted, with the byte rate, the stalled
    and retrying counts and the failures in its postfix. tqdm is imported only here."""

    def __init__(self, **tqdm_options: Any) -> None:
        self._bar = _tqdm_class()(total=0, unit="file", dynamic_ncols=True, **tqdm_options)

    def update(self, progress: Progress) -> None:
        bar = self._bar
        if bar.total != progress.submitted:
            bar.total = progress.submitted
        if progress.finished > bar.n:
            bar.update(progress.finished - bar.n)
        postfix = {"rate": _native.rate_text(progress.rate), "stalled": progress.stalled,
                   "retrying": progress.waiting}
        if progress.failed:
            postfix["failed"] = progress.failed
        bar.set_postfix(postfix, refresh=True)

    @property
    def bar(self) -> Any:
        return self._bar

    def close(self) -> None:
        self._bar.close()

    def finish(self, progress: Progress) -> None:
        """Draws the final picture, then closes the bar."""
        try:
            self.update(progress)
        finally:
            self.close()


def _tqdm_class() -> Any:
    try:
        from tqdm import tqdm
    except ImportError as e:  # pragma: no cover - python3-tqdm is a test dependency
        raise ImportError("progress='tqdm' needs tqdm (Debian: apt install python3-tqdm)") from e
    return tqdm


class BlobBars:
    """A pull's tqdm bars: one per blob (layer or config), named by its short digest as
    docker names layers, made when the blob starts and filled from the pull's progress;
    each shows the blob's rate, and "stalled" or "retrying" when it is. The registry's
    token and manifest requests, kept in memory, get none. tqdm is imported only here."""

    def __init__(self, **tqdm_options: Any) -> None:
        self._tqdm = _tqdm_class()
        self._options = tqdm_options
        self._bars: dict[str, Any] = {}  # blob path -> its bar

    def _bar_for(self, path: str, total: Optional[int], label: str = "") -> Any:
        """The blob's bar, made on first sight; named by `label` (the pull's short digest),
        else by the first 12 characters of the blob's file name (its digest)."""
        bar = self._bars.get(path)
        if bar is None:
            bar = self._tqdm(total=total, desc=label or os.path.basename(path)[:12], unit="B", unit_scale=True,
                             unit_divisor=1024, dynamic_ncols=True, **self._options)
            self._bars[path] = bar
        elif total is not None and bar.total != total:
            bar.total = total
        return bar

    def update(self, progress: Progress) -> None:
        for row in progress.transfers:
            if not row.path:
                continue
            bar = self._bar_for(row.path, row.total, row.label)
            if row.bytes > bar.n:
                bar.update(row.bytes - bar.n)
            state = "retrying" if row.retrying else "stalled" if row.stalled else _native.rate_text(row.rate)
            bar.set_postfix_str(state, refresh=True)

    def finish(self, blobs: list) -> None:
        """Fills each blob's bar from how it ended (kept, downloaded or failed), then closes them."""
        try:
            for blob in blobs:
                if not blob.path:
                    continue
                bar = self._bar_for(blob.path, blob.size if blob.ok else None)
                if blob.size > bar.n:
                    bar.update(blob.size - bar.n)
                bar.set_postfix_str("done" if blob.status == "ok" else
                                    "already there" if blob.ok else f"failed: {blob.category}", refresh=True)
        finally:
            for bar in self._bars.values():
                bar.close()


def make_display(progress: Any, native_engine: Any) -> Optional[TqdmBar]:
    """The display `progress` asks for: "bar" is drawn by the engine itself (None here),
    "tqdm" or a dict of tqdm options is a TqdmBar the caller updates."""
    if progress is None or progress is False:
        return None
    if progress == "bar":
        native_engine.show_live_display()
        return None
    if progress == "tqdm":
        return TqdmBar()
    if isinstance(progress, dict):  # tqdm's own options: {"desc": "layers", "file": f}
        return TqdmBar(**progress)
    raise ValueError(f"progress={progress!r}: use None, 'bar' or 'tqdm' (or a dict of tqdm options)")
