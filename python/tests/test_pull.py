"""Pulls from Debian's docker-registry, judged by skopeo."""

from __future__ import annotations

import json
import subprocess

import pytest

import fetchpool


def test_pull_to_a_docker_archive_skopeo_reads(registry, tmp_path):
    digest = registry.push("py/app", "v1")
    result = fetchpool.pull(f"{registry.host}/py/app:v1", tmp_path / "app.tar")
    assert result.raise_for_status() is result
    assert result.reference.endswith("py/app:v1")
    assert len(result.blobs) == 3 and all(blob.ok for blob in result.blobs)
    inspected = subprocess.run(["/usr/bin/skopeo", "inspect", f"docker-archive:{tmp_path / 'app.tar'}"],
                               check=True, capture_output=True, text=True)
    assert len(json.loads(inspected.stdout)["Layers"]) == 2
    assert digest.startswith("sha256:")


def test_a_missing_image_is_a_pull_error_that_says_so(registry, tmp_path):
    result = fetchpool.pull(f"{registry.host}/py/nothing:v1", tmp_path / "none.tar", retries=0)
    assert not result.ok
    with pytest.raises(fetchpool.PullError, match="py/nothing"):
        result.raise_for_status()
    assert not (tmp_path / "none.tar").exists()


async def test_pull_from_asyncio(registry, tmp_path):
    registry.push("py/async", "v1")
    async with fetchpool.AsyncEngine(retries=2) as engine:
        result = await engine.pull(f"{registry.host}/py/async:v1", tmp_path / "oci", format="oci")
    assert result.ok, result.error
    inspected = subprocess.run(["/usr/bin/skopeo", "inspect", f"oci:{tmp_path / 'oci'}:v1"], capture_output=True,
                               text=True)
    assert inspected.returncode == 0, inspected.stderr


test_pull_from_asyncio = pytest.mark.asyncio(test_pull_from_asyncio)
