"""docs/SCALE.md as a user follows it: its shard hash reimplementation gives the documented
shards, and its Kubernetes and Slurm commands, taken out of the page, shard one list over
three local processes (with the variables each batch system sets) that together fetch
every file once, byte-exact, and merge into one report."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import fetchpool
from conftest import file_sha256, sha256

SCALE = Path(__file__).resolve().parents[2] / "docs" / "SCALE.md"
SHARDS = 3


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SCALE.read_text(), re.S)


def test_the_documented_shard_function_gives_the_documented_shards():
    code = next(block for block in doc_blocks("python") if "def shard_of" in block)
    namespace: dict = {}
    exec(code, namespace)  # its own asserts check the documented examples
    shard_of = namespace["shard_of"]
    assert shard_of("c.bin", 4) == 1
    assert shard_of("重命名 ✓.bin", 4) == 3
    assert [shard_of(f"f{i:05d}.bin", 1) for i in range(10)] == [0] * 10


@pytest.fixture(scope="module")
def cli_path(tmp_path_factory) -> Path:
    """A directory with `fetchpool` (the build's) in it, for PATH."""
    binary = Path(os.environ.get("FETCHPOOL_CLI", Path(fetchpool.__file__).resolve().parents[2] / "fetchpool"))
    if not binary.is_file():
        pytest.skip("no fetchpool binary beside the package (set FETCHPOOL_CLI)")
    directory = tmp_path_factory.mktemp("bin")
    (directory / "fetchpool").symlink_to(binary)
    return directory


def kubernetes_command() -> str:
    """The container's `sh -c` argument: the folded (>-) scalar under `args:`."""
    manifest = next(block for block in doc_blocks("yaml") if "completionMode: Indexed" in block)
    lines = manifest.split("args:\n", 1)[1].splitlines()[1:]
    indent = len(lines[0]) - len(lines[0].lstrip())
    folded = []
    for line in lines:
        if len(line) - len(line.lstrip()) < indent:
            break
        folded.append(line.strip())
    return " ".join(folded)


def slurm_script() -> str:
    return next(block for block in doc_blocks("sh") if block.startswith("#!/bin/bash\n#SBATCH"))


def served_list(nginx, name: str) -> dict[str, str | None]:
    """A list of 60 files and 6 URLs nginx answers with 404: url -> sha256 (None: 404)."""
    expected: dict[str, str | None] = {}
    for i in range(60):
        data = f"{name} {i}\n".encode() * (i + 1) * 50
        expected[nginx.add(f"{name}/{i:02d}.bin", data)] = sha256(data)
    for i in range(6):
        expected[nginx.url(f"/{name}-missing/{i}.bin")] = None
    return expected


def run_tasks(commands: list[tuple[list[str], dict]], path: Path, cwd: Path) -> list[subprocess.CompletedProcess]:
    """Runs the shards at once, as the batch system would, each with its variables."""
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("SLURM_", "JOB_COMPLETION_INDEX", "FETCHPOOL_SHARD"))}
    base["PATH"] = f"{path}:{base.get('PATH', '/usr/bin:/bin')}"
    running = [subprocess.Popen(argv, env={**base, **variables}, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for argv, variables in commands]
    finished = []
    for process in running:
        out, err = process.communicate(timeout=120)
        finished.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return finished


def check_shards(root: Path, expected: dict[str, str | None], path: Path) -> None:
    reports = [json.loads((root / "reports" / f"report-{k}.json").read_text()) for k in range(SHARDS)]
    seen: dict[str, int] = {}
    for k, report in enumerate(reports):
        assert report["summary"]["shard"] == f"{k}/{SHARDS}"
        for entry in report["transfers"]:
            seen[entry["url"]] = seen.get(entry["url"], 0) + 1
            if expected[entry["url"]] is None:
                assert (entry["status"], entry["category"]) == ("failed", "http"), entry
            else:
                assert entry["status"] == "ok", entry
                assert file_sha256(entry["path"]) == expected[entry["url"]]
    assert seen == {url: 1 for url in expected}  # disjoint and complete
    assert len(os.listdir(root / "out")) == sum(digest is not None for digest in expected.values())

    # The page's merge, from where the reports are.
    merge = subprocess.run(["fetchpool", "report", "merge", "--no-config"] +
                           [f"reports/report-{k}.json" for k in range(SHARDS)] + ["-o", "all.json"], cwd=root,
                           env={**os.environ, "PATH": f"{path}:{os.environ.get('PATH', '')}"}, capture_output=True,
                           text=True)
    assert merge.returncode == 1, merge.stderr  # the 404s
    merged = json.loads((root / "all.json").read_text())
    for count in ("ok", "failed", "skipped", "cancelled", "bytes"):
        assert merged["summary"][count] == sum(report["summary"][count] for report in reports), count
    assert merged["summary"]["failed"] == sum(digest is None for digest in expected.values())
    failed = "".join((root / "reports" / f"failed-{k}.txt").read_text() for k in range(SHARDS))
    assert sorted(failed.split()) == sorted(url for url, digest in expected.items() if digest is None)


def test_the_kubernetes_indexed_job_shards_the_list(nginx, cli_path, tmp_path):
    expected = served_list(nginx, "k8s-doc")
    command = kubernetes_command().replace("/data/", f"{tmp_path}/data/")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "urls.txt").write_text("\n".join(expected) + "\n")
    # What the Job gives each pod: its index, and the manifest's own FETCHPOOL_SHARD_COUNT.
    tasks = run_tasks([(["sh", "-c", command], {"JOB_COMPLETION_INDEX": str(k), "FETCHPOOL_SHARD_COUNT": str(SHARDS)})
                       for k in range(SHARDS)], cli_path, tmp_path)
    assert [task.returncode for task in tasks] == [0] * SHARDS, [task.stderr for task in tasks]
    check_shards(tmp_path / "data", expected, cli_path)


def test_the_slurm_array_shards_the_list(nginx, cli_path, tmp_path):
    expected = served_list(nginx, "slurm-doc")
    script = tmp_path / "fetch.sbatch"
    script.write_text(slurm_script().replace("/shared/", f"{tmp_path}/shared/"))
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "urls.txt").write_text("\n".join(expected) + "\n")
    # What sbatch --array=0-2 gives each task.
    tasks = run_tasks([(["bash", str(script)], {"SLURM_ARRAY_TASK_ID": str(k), "SLURM_ARRAY_TASK_MIN": "0",
                                                 "SLURM_ARRAY_TASK_MAX": str(SHARDS - 1),
                                                 "SLURM_ARRAY_TASK_COUNT": str(SHARDS), "SLURM_ARRAY_TASK_STEP": "1"})
                       for k in range(SHARDS)], cli_path, tmp_path)
    assert [task.returncode for task in tasks] == [0] * SHARDS, [task.stderr for task in tasks]
    check_shards(tmp_path / "shared", expected, cli_path)

