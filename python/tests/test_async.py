"""The asyncio API: results, cancellation from asyncio, and a loop that is never blocked."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from pathlib import Path

import pytest

import fetchpool
from conftest import body_of, file_sha256, sha256

pytestmark = pytest.mark.asyncio


async def test_get_into_memory_and_to_files(nginx, out):
    data = os.urandom(200_000)
    url = nginx.add("async/one.bin", data)
    async with fetchpool.AsyncEngine(output_dir=out) as engine:
        in_memory = await engine.get(url)
        assert in_memory.ok and in_memory.content == data
        to_file = await engine.get(url, out / "copy.bin")
        assert to_file.ok, to_file.message
    assert file_sha256(out / "copy.bin") == sha256(data)


async def test_as_completed_yields_every_result(nginx, out):
    files = {f"async-many/{i:03d}.bin": os.urandom(500 + i) for i in range(300)}
    urls = [nginx.add(name, data) for name, data in files.items()]
    names = []
    async with fetchpool.AsyncEngine(max_concurrent=32, output_dir=out) as engine:
        async for result in engine.as_completed(urls):
            assert result.ok, result.message
            names.append(Path(result.path).name)
    assert sorted(names) == sorted(Path(name).name for name in files)
    for name, data in files.items():
        assert file_sha256(out / Path(name).name) == sha256(data)


async def test_as_completed_takes_items_as_it_goes(nginx):
    # A long iterable is taken a window at a time (as `fetchpool get -i` reads its list), so
    # a generator of a million URLs costs flat memory; a task awaiting a get() of its own on
    # the same engine meanwhile still gets its Result.
    taken = 0

    def urls():
        nonlocal taken
        for i in range(3000):
            taken += 1
            yield fetchpool.Request(nginx.url(f"/tiny/w{i}"), to_memory=True)

    async with fetchpool.AsyncEngine(max_concurrent=16) as engine:
        seen = 0
        taken_at_first = None
        beside = None
        async for result in engine.as_completed(urls()):
            assert result.ok and result.content == b"x", result.message
            seen += 1
            if taken_at_first is None:
                taken_at_first = taken
                beside = asyncio.ensure_future(engine.get(nginx.url("/tiny/beside")))
        assert (await asyncio.wait_for(beside, 30)).content == b"x"
    assert seen == 3000
    assert taken_at_first <= 256 + 1, taken_at_first


async def wait_until_running(engine, deadline_s=10.0):
    deadline = time.monotonic() + deadline_s
    while engine.progress().running == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def test_cancelling_the_awaiting_task_cancels_the_transfer_at_once(faults):
    async with fetchpool.AsyncEngine() as engine:
        task = asyncio.ensure_future(engine.get(faults.data("async-stall", 100_000, stall_after=10)))
        await wait_until_running(engine)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the engine has ended it (cancelled transfers count as failed), within 100 ms
        while engine.progress().failed < 1 and time.monotonic() - started < 1:
            await asyncio.sleep(0.005)
        took = time.monotonic() - started
        assert engine.progress().failed == 1
        assert engine.progress().running == 0
        assert took < 0.1, took


async def test_wait_for_timing_out_cancels_the_transfer(faults):
    async with fetchpool.AsyncEngine() as engine:
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(engine.get(faults.data("async-wait-for", 100_000, stall_after=10)), 0.5)
        assert time.monotonic() - started < 1.0
        deadline = time.monotonic() + 1
        while engine.progress().running and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        assert engine.progress().running == 0


async def test_a_deadline_fails_as_timeout(faults):
    async with fetchpool.AsyncEngine() as engine:
        result = await engine.get(faults.data("async-deadline", 100_000, trickle_gap=1), timeout=1.0)
    assert result.category == "timeout", result


async def test_the_loop_is_never_held_while_ten_thousand_transfers_run(nginx):
    # What a latency-minded program does (docs/PYTHON.md): the objects alive before the run
    # (here, all of pytest's) are frozen out of the garbage collector's full passes, which
    # would otherwise walk them all while 10,000 futures pile up. What remains measured is
    # the loop's own work: submitting, and the engine's Results arriving.
    gc.collect()
    gc.freeze()
    lateness = []
    stop = asyncio.Event()

    async def heartbeat():
        while not stop.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lateness.append(time.monotonic() - before - 0.01)

    beat = asyncio.ensure_future(heartbeat())
    await asyncio.sleep(0.05)
    async with fetchpool.AsyncEngine(max_concurrent=64) as engine:
        futures = []
        for i in range(10_000):
            futures.append(engine.submit(nginx.url(f"/tiny/{i}"), to_memory=True))
            if i % 200 == 0:
                await asyncio.sleep(0)  # let the heartbeat run between batches of submits
        results = await asyncio.gather(*futures)
    stop.set()
    await beat
    gc.unfreeze()
    assert all(result.content == b"x" for result in results)
    assert len(lateness) > 10
    assert max(lateness) < 0.05, sorted(lateness)[-5:]


async def test_closing_cancels_what_is_unfinished(faults):
    engine = fetchpool.AsyncEngine()
    async with engine:
        future = engine.submit(faults.data("async-close", 100_000, stall_after=10), to_memory=True)
        await wait_until_running(engine)
    result = await future
    assert result.status == "cancelled"
