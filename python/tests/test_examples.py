"""Runs every "# example: NAME" program of docs/PYTHON.md against local servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "PYTHON.md"


def examples() -> dict[str, str]:
    found = {}
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S):
        first = block.splitlines()[0]
        if first.startswith("# example: "):
            found[first[len("# example: "):].strip()] = block
    return found


def run_example(name: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    script = cwd / f"{name}.py"
    script.write_text(examples()[name])
    return subprocess.run([sys.executable, str(script)], cwd=cwd, env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=300)


def test_the_doc_has_the_four_programs():
    assert set(examples()) == {"artifacts", "deadlines", "asyncio-tasks", "pull"}


def test_artifacts(nginx, tmp_path):
    names = [f"lib{i:04d}.jar" for i in range(2000)]
    for i, name in enumerate(names):
        if i % 500 != 7:  # four of them are missing: the failure list names them
            nginx.add(f"auth/repo/{name}", f"jar {i}".encode())
    (tmp_path / "artifacts.txt").write_text("\n".join(names) + "\n")
    run = run_example("artifacts", tmp_path, {"REPO_URL": nginx.url("/auth/repo"), "ARTIFACT_LIST": "artifacts.txt",
                                              "REPO_USER": "alice", "REPO_PASSWORD": "s3cret"})
    assert run.returncode == 0, run.stderr
    assert "1996 ok, 4 failed" in run.stdout
    failed = (tmp_path / "failed.txt").read_text().splitlines()
    assert len(failed) == 4 and all("\thttp\t" in line and "404" in line for line in failed)
    assert (tmp_path / "artifacts" / "lib0000.jar").read_bytes() == b"jar 0"
    assert len(list((tmp_path / "artifacts").iterdir())) == 1996


def test_deadlines(nginx, faults, tmp_path):
    fast = nginx.add("images/fast.jpg", b"j" * 50_000)
    slow = faults.data("slow-image.jpg", 100_000, trickle_gap=1)
    run = run_example("deadlines", tmp_path, {"IMAGE_URLS": f"{fast} {slow} {nginx.url('/images/none.jpg')}"})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"processed 50000 bytes from {fast}"
    assert lines[1] == f"skipped (too slow): {slow}"
    assert lines[2].startswith("skipped (http)")


def test_asyncio_tasks(nginx, faults, tmp_path):
    urls = [nginx.add(f"tasks/{i:04d}.bin", os.urandom(2000)) for i in range(1500)]
    urls.append(faults.data("stuck-task.bin", 100_000, stall_after=1000))
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    script = tmp_path / "asyncio-tasks.py"
    script.write_text(examples()["asyncio-tasks"])
    child = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=dict(os.environ, URL_LIST="urls.txt"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()  # the watcher names the stuck one once it has been quiet 5 s
    child.terminate()
    child.communicate(timeout=30)
    assert re.match(r"stalled for \d+ s: .*stuck-task\.bin", line), line
    assert len(list((tmp_path / "data").iterdir())) >= 1500


def test_pull(registry, tmp_path):
    registry.push("library/app", "v1")
    run = run_example("pull", tmp_path, {"IMAGE": "docker.io/library/app:v1", "MIRROR": f"http://{registry.host}"})
    assert run.returncode == 0, run.stderr
    assert "pulled docker.io/library/app:v1" in run.stdout
    # The bars, on stderr: one per blob, named by its short digest, each ended full.
    shorts = [line.split()[-1].split(":")[-1][:12] for line in run.stdout.splitlines()[:-1]]
    assert len(shorts) == 3 and all(short in run.stderr for short in shorts), run.stderr
    assert run.stderr.count("100%") >= 3, run.stderr
    subprocess.run(["/usr/bin/skopeo", "inspect", f"docker-archive:{tmp_path / 'image.tar'}"], check=True,
                   capture_output=True)
