"""fetchpool.dask on a real distributed.LocalCluster (two worker processes) against nginx:
every file byte-exact, the failures listed, the failed ones fed back in."""

from __future__ import annotations

import os
import random

import pytest

from conftest import file_sha256, sha256

distributed = pytest.importorskip("distributed")
dask_dataframe = pytest.importorskip("dask.dataframe")
pandas = pytest.importorskip("pandas")

import fetchpool.dask  # noqa: E402

FILES = 1_900
MISSING = 100


@pytest.fixture(scope="module")
def client():
    # Two processes with one thread each: each worker's Engine runs its own transfers at once.
    # Every port on 127.0.0.1, chosen by the system (the dashboard's default 8787 may be taken).
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  scheduler_port=0, dashboard_address="127.0.0.1:0") as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def served(nginx):
    """1,900 files of 1-40 KB on nginx and 100 URLs it answers with 404: url -> sha256 (None
    for the missing ones)."""
    rng = random.Random(22)
    expected = {}
    for i in range(FILES):
        data = rng.randbytes(rng.randint(1, 40_000))
        expected[nginx.add(f"dask/{i:04d}.bin", data)] = sha256(data)
    for i in range(MISSING):
        expected[nginx.url(f"/dask-missing/gone-{i:03d}.bin")] = None
    return expected


def check_records(records, expected, out):
    by_url = {record["url"]: record for record in records}
    assert len(records) == len(by_url) == len(expected)
    for url, digest in expected.items():
        record = by_url[url]
        assert set(record) == set(fetchpool.dask.RECORD_FIELDS)
        if digest is None:
            assert (record["status"], record["category"]) == ("failed", "http"), record
            assert "404" in record["message"], record
            assert record["digest"] is None
        else:
            assert record["status"] == "ok", record
            assert record["path"].startswith(str(out) + os.sep), record
            assert file_sha256(record["path"]) == digest
            assert record["digest"] == f"sha256:{digest}"
            assert record["size"] == os.path.getsize(record["path"])
            assert record["attempts"] == 1


def test_local_cluster_downloads_2000_urls_byte_exact_and_lists_the_failures(client, served, nginx, tmp_path):
    out = tmp_path / "out"
    urls = list(served)
    random.Random(7).shuffle(urls)
    # More partitions than workers: each worker runs several, all on its one Engine.
    options = {"output_dir": str(out), "max_concurrent": 32, "retries": 0}
    bag = fetchpool.dask.download(urls, npartitions=8, **options)
    records = bag.compute()
    check_records(records, served, out)
    assert sorted(os.listdir(out)) == sorted(f"{i:04d}.bin" for i in range(FILES))
    engines = client.run(fetchpool.dask.engine_count)
    assert sorted(engines.values()) == [1, 1], engines

    # The failed records fed back in: once the files exist, they arrive where they belong.
    failed = [record for record in records if record["status"] == "failed"]
    assert len(failed) == MISSING
    for record in failed:
        name = record["url"].rsplit("/", 1)[1]
        nginx.add(f"dask-missing/{name}", name.encode() * 100)
    again = fetchpool.dask.download(failed, **options).compute()
    assert [record["status"] for record in again] == ["ok"] * MISSING
    for record in again:
        name = record["url"].rsplit("/", 1)[1]
        assert record["path"] == str(out / name)
        assert file_sha256(record["path"]) == sha256(name.encode() * 100)
    # The same engines served the rerun.
    assert sorted(client.run(fetchpool.dask.engine_count).values()) == [1, 1]


def test_a_dataframe_column_gives_a_dataframe_of_records(client, nginx, tmp_path):
    expected = {nginx.add(f"dask-df/{i}.bin", bytes([i]) * 5000): sha256(bytes([i]) * 5000) for i in range(40)}
    expected[nginx.url("/dask-df/none.bin")] = None
    frame = dask_dataframe.from_pandas(pandas.DataFrame({"url": list(expected)}), npartitions=4)
    results = fetchpool.dask.download(frame.url, output_dir=str(tmp_path / "out"), retries=0)
    assert list(results.columns) == list(fetchpool.dask.RECORD_FIELDS)
    table = results.compute()
    assert len(table) == len(expected)
    check_records(table.to_dict("records"), expected, tmp_path / "out")
    # The failed ones, as a column again.
    # The failed ones, as a column again; computing the graph again finds the files there.
    failed = results[results.status == "failed"].url
    assert failed.compute().tolist() == [nginx.url("/dask-df/none.bin")]
    assert sorted(results.status.compute().tolist()) == ["failed"] + ["skipped"] * 40


@pytest.mark.filterwarnings("ignore:Running on a single-machine scheduler")
def test_a_bag_or_a_sequence_runs_without_a_cluster_too(nginx, tmp_path):
    import dask.bag

    expected = {nginx.add(f"dask-local/{i}.bin", b"z" * (i + 1)): sha256(b"z" * (i + 1)) for i in range(10)}
    requests = [fetchpool.Request(url, file_name=f"sub/{i}.bin") for i, url in enumerate(expected)]
    records = fetchpool.dask.download(dask.bag.from_sequence(requests, npartitions=3), output_dir=str(tmp_path),
                                      digest=None).compute(scheduler="sync")
    assert [record["path"] for record in records] == [str(tmp_path / f"sub/{i}.bin") for i in range(10)]
    assert all(record["digest"] is None and record["status"] == "ok" for record in records)
    for record, digest in zip(records, expected.values()):
        assert file_sha256(record["path"]) == digest


def test_unknown_options_are_named():
    with pytest.raises(TypeError, match="unknown option.*colour"):
        fetchpool.dask.download(["http://127.0.0.1:1/x"], colour="blue")
