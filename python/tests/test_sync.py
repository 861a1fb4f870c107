"""The blocking API against real nginx and the fault server: bytes, results, deadlines,
cancellation, Ctrl-C, threads and fork."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest

import fetchpool
from conftest import body_of, file_sha256, sha256


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def test_get_to_a_file_and_into_memory(nginx, out):
    data = os.urandom(300_000)
    url = nginx.add("one/blob.bin", data)
    result = fetchpool.get(url, out / "blob.bin")
    assert result.ok, result.message
    assert result.status == "ok" and result.category == "none"
    assert result.path == str(out / "blob.bin")
    assert result.size == len(data)
    assert file_sha256(out / "blob.bin") == sha256(data)
    assert result.content is None

    in_memory = fetchpool.get(url)
    assert in_memory.ok and in_memory.path is None
    assert in_memory.content == data
    assert in_memory.header("content-length") == str(len(data))


def test_a_directory_destination_keeps_the_urls_name_even_in_chinese(nginx, out):
    data = b"\xe4\xb8\xad" * 1000
    url = nginx.add("dir/数据 🎉.bin", data)
    out.mkdir(parents=True)
    result = fetchpool.get(url.replace(" ", "%20"), out)
    assert result.ok, result.message
    assert Path(result.path) == out / "数据 🎉.bin"
    assert (out / "数据 🎉.bin").read_bytes() == data


def test_a_wrong_checksum_raises_and_leaves_no_file(nginx, out):
    url = nginx.add("sum/a.bin", b"a" * 5000)
    result = fetchpool.get(url, out / "a.bin", checksum="sha256:" + "0" * 64)
    assert not result.ok
    assert result.category == "checksum"
    assert not (out / "a.bin").exists()
    with pytest.raises(fetchpool.ChecksumError) as caught:
        result.raise_for_status()
    assert caught.value.result is result
    right = fetchpool.get(url, out / "a.bin", checksum="sha256:" + sha256(b"a" * 5000))
    assert right.raise_for_status() is right


def test_http_errors_are_http_errors(nginx):
    result = fetchpool.get(nginx.url("/missing/nothing.bin"), retries=0)
    assert result.status == "failed" and result.category == "http" and result.http_status == 404
    with pytest.raises(fetchpool.HTTPError, match="404"):
        result.raise_for_status()


def test_basic_auth_and_unknown_options(nginx):
    url = nginx.add("auth/secret.txt", b"for alice")
    refused = fetchpool.get(url, retries=0)
    assert refused.http_status == 401
    allowed = fetchpool.get(url, auth=("alice", "s3cret"))
    assert allowed.content == b"for alice"
    assert "s3cret" not in repr(allowed) + allowed.message
    with pytest.raises(TypeError, match="unknown option 'conect_timeout'"):
        fetchpool.get(url, conect_timeout=3)


def test_options_out_of_range_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="connections_per_file must be at least 1"):
        fetchpool.Engine(connections_per_file=0)
    with pytest.raises(ValueError, match="max_concurrent must be at least 1"):
        fetchpool.Engine(max_concurrent=0)


def test_engine_as_completed_yields_every_file(nginx, out):
    files = {f"many/{i:03d}.bin": os.urandom(1000 + i) for i in range(200)}
    urls = [nginx.add(name, data) for name, data in files.items()]
    seen = set()
    with fetchpool.Engine(max_concurrent=16, output_dir=out) as engine:
        for result in engine.as_completed(urls):
            assert result.ok, result.message
            seen.add(Path(result.path).name)
        assert engine.wait(timeout=10)  # then the totals count every transfer
        assert engine.progress().ok == 200
    assert len(seen) == 200
    for name, data in files.items():
        assert file_sha256(out / Path(name).name) == sha256(data)


def test_importing_the_package_leaves_asyncio_to_those_who_use_it():
    # asyncio is half of `import fetchpool` (30 ms): a script of get() calls starts without it.
    code = ("import sys, fetchpool; assert 'asyncio' not in sys.modules, 'asyncio imported'; "
            "assert fetchpool.AsyncEngine.__name__ == 'AsyncEngine'; assert 'AsyncEngine' in dir(fetchpool); "
            "assert 'asyncio' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_as_completed_takes_items_as_it_goes(nginx):
    # A window at a time, as `fetchpool get -i` reads its list: flat memory for any length.
    taken = 0

    def urls():
        nonlocal taken
        for i in range(3000):
            taken += 1
            yield fetchpool.Request(nginx.url(f"/tiny/s{i}"), to_memory=True)

    taken_at_first = None
    seen = 0
    with fetchpool.Engine(max_concurrent=16) as engine:
        for result in engine.as_completed(urls(), timeout=120):
            assert result.ok and result.content == b"x", result.message
            seen += 1
            if taken_at_first is None:
                taken_at_first = taken
    assert seen == 3000
    assert taken_at_first <= 256 + 1, taken_at_first


def test_requests_carry_their_own_fields(nginx, out):
    url = nginx.add("req/r.bin", b"r" * 100)
    with fetchpool.Engine(output_dir=out) as engine:
        transfer = engine.submit(fetchpool.Request(url, file_name="renamed.bin", directory="sub"))
        result = transfer.result(timeout=30)
        assert transfer.done()
        with pytest.raises(TypeError, match="unknown request field"):
            engine.submit(url, file_nam="x")
    assert result.ok, result.message
    assert (out / "sub" / "renamed.bin").read_bytes() == b"r" * 100


@pytest.mark.parametrize("query", [{"stall_after": 1000}, {"trickle_gap": 1}])
def test_a_deadline_ends_a_stalled_or_trickling_download_on_time(faults, out, query):
    url = faults.data(f"slow-{list(query)[0]}", 100_000, **query)
    started = time.monotonic()
    result = fetchpool.get(url, out / "slow.bin", timeout=1.5)
    took = time.monotonic() - started
    assert result.category == "timeout", result
    assert 1.4 <= took < 4.0, took
    assert not (out / "slow.bin").exists()
    with pytest.raises(fetchpool.TimeoutError):
        result.raise_for_status()


def test_a_deadline_ends_a_silent_server_on_time(out):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the kernel; nothing ever answers
    try:
        started = time.monotonic()
        result = fetchpool.get(f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=1.0)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert result.category == "timeout", result
    assert took < 3.5, took


def test_cancel_ends_a_transfer_at_once(faults):
    with fetchpool.Engine() as engine:
        transfer = engine.submit(faults.data("cancel-me", 100_000, stall_after=10), to_memory=True)
        deadline = time.monotonic() + 10
        while engine.progress().running == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the engine runs it
        started = time.monotonic()
        transfer.cancel()
        result = transfer.result(timeout=5)
        assert time.monotonic() - started < 0.5
    assert result.status == "cancelled"
    with pytest.raises(fetchpool.CancelledError):
        result.raise_for_status()


def test_close_leaves_no_thread_behind(nginx):
    url = nginx.add("threads/t.bin", b"t" * 1000)
    before = thread_count()
    for _ in range(5):
        with fetchpool.Engine() as engine:
            assert engine.submit(url, to_memory=True).result(timeout=30).ok
    assert thread_count() == before


def test_progress_names_a_stalled_transfer_and_tqdm_shows_it(faults):
    bar_output = io.StringIO()
    with fetchpool.Engine(progress={"file": bar_output, "mininterval": 0}) as engine:
        transfer = engine.submit(faults.data("stalls-for-progress", 100_000, stall_after=5000), to_memory=True)
        deadline = time.monotonic() + 20
        stalled = []
        while not stalled and time.monotonic() < deadline:
            engine.wait(timeout=0.2)  # draws the bar too
            stalled = [row for row in engine.progress().transfers if row.stalled]
        assert stalled, engine.progress()
        row = stalled[0]
        assert row.bytes == 5000 and row.total == 100_000 and row.idle >= 5
        assert engine.progress().stalled == 1
        engine.wait(timeout=0.2)
        assert "stalled=1" in bar_output.getvalue()
        transfer.cancel()


def run_script(code: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_ctrl_c_in_get_cancels_and_raises_keyboard_interrupt(faults):
    url = faults.data("ctrl-c", 100_000, stall_after=100)
    child = run_script(f"""
        import sys, fetchpool
        print("ready", flush=True)
        try:
            fetchpool.get({url!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
    """)
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 10
    while "/data/ctrl-c" not in faults.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request reached the server
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert child.returncode == 3, err
    assert "interrupted" in out
    assert time.monotonic() - sent < 1.0


def test_ctrl_c_in_wait_cancels_every_transfer(faults):
    url = faults.data("ctrl-c-wait", 100_000, stall_after=100)
    child = run_script(f"""
        import sys, fetchpool
        with fetchpool.Engine() as engine:
            transfer = engine.submit({url!r}, to_memory=True)
            print("ready", flush=True)
            try:
                engine.wait()
            except KeyboardInterrupt:
                print(transfer.result(timeout=1).status, flush=True)
                sys.exit(3)
    """)
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 10
    while "/data/ctrl-c-wait" not in faults.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request reached the server
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert child.returncode == 3, err
    assert out.strip() == "cancelled"


def test_a_forked_child_is_told_to_make_its_own_engine(nginx):
    url = nginx.add("fork/f.bin", b"f" * 100)
    child = run_script(f"""
        import os, sys, fetchpool
        engine = fetchpool.Engine()
        assert engine.submit({url!r}, to_memory=True).result(timeout=30).ok
        pid = os.fork()
        if pid == 0:
            try:
                engine.submit({url!r}, to_memory=True)
                os._exit(1)
            except RuntimeError as e:
                ok = "another process" in str(e) or "parent process" in str(e)
                fresh = fetchpool.get({url!r})
                os._exit(0 if ok and fresh.content == b"f" * 100 else 2)
        _, status = os.waitpid(pid, 0)
        engine.close()
        sys.exit(os.waitstatus_to_exitcode(status))
    """)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err


def test_version_names_the_libraries():
    assert fetchpool.version.startswith("fetchpool 0.1.0 (libcurl/")
    assert "OpenSSL" in fetchpool.version


def test_a_rate_cap_holds_the_run_and_one_file(nginx, out):
    data = os.urandom(1 << 20)
    url = nginx.add("capped/one.bin", data)
    started = time.monotonic()
    result = fetchpool.get(url, out / "run-capped.bin", max_rate=256 * 1024)
    assert result.ok, result.message
    assert file_sha256(out / "run-capped.bin") == sha256(data)
    assert time.monotonic() - started >= 2.0  # 1 MiB at 256 KiB/s: about 4 s; uncapped, milliseconds
    with fetchpool.Engine(output_dir=out) as engine:
        started = time.monotonic()
        capped = engine.submit(fetchpool.Request(url, file_name="file-capped.bin", max_rate=256 * 1024)).result(timeout=60)
        assert capped.ok, capped.message
        assert time.monotonic() - started >= 2.0
        refused = engine.submit(url, max_rate=0).result(timeout=60)
        assert refused.category == "invalid_input" and "max_bytes_per_s" in refused.message


def test_mirrors_take_over_when_the_first_url_fails(nginx, faults, out):
    data = os.urandom(200_000)
    mirror = nginx.add("mirrored/file.bin", data)
    result = fetchpool.get(faults.url("/status?code=404"), out / "file.bin", mirrors=[mirror])
    assert result.ok, result.message
    assert file_sha256(out / "file.bin") == sha256(data)
    assert result.attempts == 2


def test_name_from_server_names_the_file_as_content_disposition_says(faults, out):
    disposition = urllib.parse.quote("attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%F0%9F%93%8A.pdf", safe="")
    url = faults.url(f"/data/download.php?size=50000&disposition={disposition}")
    result = fetchpool.get(url, str(out / "sub") + "/", name_from_server=True)
    assert result.ok, result.message
    assert result.path == str(out / "sub" / "报告 📊.pdf")
    assert sorted(os.listdir(out / "sub")) == ["报告 📊.pdf"]
    assert file_sha256(out / "sub" / "报告 📊.pdf") == sha256(body_of("download.php", 50000))


def test_a_path_written_once_is_the_engines_unless_unique_paths_is_off(nginx, out):
    data = os.urandom(20_000)
    url = nginx.add("unique/a.bin", data)
    with fetchpool.Engine(output_dir=out) as engine:
        assert engine.submit(url).result().status == "ok"
        again = engine.submit(url).result()
        assert (again.status, again.category) == ("failed", "invalid_input")
        assert "already used by another download in this run" in again.message
    # An Engine serving batch after batch (a Dask worker's): the file is found there.
    with fetchpool.Engine(output_dir=out, unique_paths=False) as engine:
        assert engine.submit(url, if_exists="overwrite").result().status == "ok"
        assert engine.submit(url).result().status == "skipped"
    assert file_sha256(out / "a.bin") == sha256(data)


def test_as_completed_gets_every_result_of_transfers_submitted_before_it(nginx, out):
    # The queue gets a Result just before its handle says done, and every submit() drains
    # the queue: a Result drained in between, before as_completed registered its Transfer,
    # was dropped, and as_completed waited for it forever (one in tens of thousands, on a
    # Dask worker). The race is rare (six runs of this test without the fix all passed): this
    # is its guard under load, not a reproducer; the timeout fails it instead of hanging.
    with fetchpool.Engine(output_dir=out, max_concurrent=64) as engine:
        transfers = [engine.submit(nginx.url(f"/tiny/{i}.txt")) for i in range(20_000)]
        ended = [result.id for result in engine.as_completed(transfers, timeout=120)]
    assert sorted(ended) == sorted(transfer.id for transfer in transfers)


def test_a_post_body_is_sent_and_its_answer_kept(faults, out):
    import json
    url = faults.data("posted", 1000)
    result = fetchpool.get(url, post_body="grant_type=refresh_token&client_id=tests",
                           headers={"X-Test": "post"})
    assert result.ok, result.message
    assert result.content == body_of("posted", 1000)
    seen = [json.loads(line) for line in faults.log.read_text().splitlines() if "/data/posted" in line]
    assert [entry["method"] for entry in seen] == ["POST"]
    assert seen[0]["body"] == "grant_type=refresh_token&client_id=tests"
    assert seen[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    # A POST's answer stays in memory: into a file it is refused with the reason.
    with pytest.raises(fetchpool.InvalidInputError, match="to_memory"):
        fetchpool.get(url, out / "posted.bin", post_body=b"a=b").raise_for_status()
    assert not (out / "posted.bin").exists()


def test_a_body_goes_into_its_region_of_a_file(faults, out):
    archive = out / "archive.bin"
    out.mkdir()
    archive.write_bytes(b"." * 5000)
    result = fetchpool.get(faults.data("member", 1000), out / "member.bin",
                           checksum="sha256:" + sha256(body_of("member", 1000)), into_region=(archive, 1234, 1000))
    assert result.ok, result.message
    data = archive.read_bytes()
    assert data == b"." * 1234 + body_of("member", 1000) + b"." * (5000 - 2234)
    assert not (out / "member.bin").exists() and not (out / "member.bin.part").exists()
    # A body of another size than its region fails, and the bytes after it stay.
    longer = fetchpool.get(faults.data("longer", 1001), out / "longer.bin", into_region=(archive, 0, 1000))
    assert not longer.ok and longer.category == "checksum", longer.message
    assert archive.read_bytes()[1000:] == data[1000:]
