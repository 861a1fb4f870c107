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


def test_a_pull_with_tqdm_has_a_bar_per_blob_named_by_its_short_digest(registry, tmp_path):
    import io
    registry.push("py/bars", "v1", layers=3, layer_size=1_500_000)
    screen = io.StringIO()
    result = fetchpool.pull(f"{registry.host}/py/bars:v1", tmp_path / "bars.tar",
                            progress={"file": screen, "mininterval": 0})
    assert result.ok, result.error
    assert len(result.blobs) == 4
    text = screen.getvalue()
    for blob in result.blobs:
        short = blob.path.rsplit("/", 1)[-1][:12]
        assert len(short) == 12 and short in text, text[-2000:]
    # Each bar ended full: tqdm prints "100%" once per bar that reached its total.
    assert text.count("100%") >= len(result.blobs), text[-2000:]
    with pytest.raises(ValueError, match="progress="):
        fetchpool.pull(f"{registry.host}/py/bars:v1", tmp_path / "x.tar", progress="lines")


def test_an_authfile_that_is_not_there_is_an_error_before_the_pull(registry, tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such.json"):
        fetchpool.pull(f"{registry.host}/team/app:v1", tmp_path / "x.tar", authfile=tmp_path / "no-such.json")
    assert not (tmp_path / "x.tar").exists()


def test_several_images_go_into_one_tarball(registry, tmp_path):
    registry.push("py/one", "v1")
    registry.push("py/two", "v2")
    images = [f"{registry.host}/py/one:v1", f"{registry.host}/py/two:v2"]
    result = fetchpool.pull(images, tmp_path / "both.tar")
    assert result.ok, result.error
    assert [reference for reference, _ in result.images] == images
    for image in images:
        inspected = subprocess.run(["/usr/bin/skopeo", "inspect", f"docker-archive:{tmp_path / 'both.tar'}:{image}"],
                                   capture_output=True, text=True)
        assert inspected.returncode == 0, inspected.stderr
