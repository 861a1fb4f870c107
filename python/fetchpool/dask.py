"""Downloads on a Dask cluster: each partition of URLs runs on its worker's one Engine.

    import fetchpool.dask
    results = fetchpool.dask.download(urls, output_dir="/shared/out", max_concurrent=64)
    failed = results.filter(lambda r: r["status"] == "failed")
    again = fetchpool.dask.download(failed)      # the same files, to the same places

Dask itself (Debian's python3-dask and python3-distributed) is imported only when
download() is called, so `import fetchpool` works without it. docs/SCALE.md has the recipe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from typing import Any, Iterable, Mapping, Optional, Union

from ._options import ENGINE_OPTION_NAMES, REQUEST_FIELDS, Request
from ._result import Result
from ._sync import Engine

# What each result record holds, in this order (a dask DataFrame's columns).
RECORD_FIELDS = ("url", "status", "category", "message", "path", "size", "digest", "attempts")

# This process's Engines, one per set of options: a Dask worker process makes its Engine
# for the first partition it runs and reuses it for every later one (an Engine is a thread,
# a libcurl multi handle and its connection cache: making one per partition would throw
# away the kept-alive connections each time).
_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()


def _forget_engines_after_fork() -> None:
    # The parent's Engines cannot run in a child (their thread is not there).
    _engines.clear()


os.register_at_fork(after_in_child=_forget_engines_after_fork)


def engine_count() -> int:
    """How many Engines this process holds for download(): 1 on a worker that has run any
    number of partitions with the same options (`client.run(fetchpool.dask.engine_count)`)."""
    return len(_engines)


def _options_key(options: Mapping[str, Any]) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in options.items()))


def _engine_for(options: Mapping[str, Any]) -> Engine:
    key = _options_key(options)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = Engine(**options)
            _engines[key] = engine
        return engine


def _request_of(item: Any, request_options: Mapping[str, Any]) -> Union[str, Request]:
    """A URL, a Request, or a result record fed back in (a dict with "url", and "path"
    where the file was to go: it goes there again)."""
    if isinstance(item, (str, Request)):
        if not request_options:
            return item
        if isinstance(item, str):
            return Request(item, **request_options)
        return dataclasses.replace(item, **request_options)
    if isinstance(item, Mapping):
        fields = {name: value for name, value in item.items() if name in REQUEST_FIELDS or name == "url"}
        path = item.get("path")
        if path and "file_name" not in fields and "directory" not in fields:
            fields["directory"] = os.path.dirname(path)
            fields["file_name"] = os.path.basename(path)
        return Request(**{**fields, **request_options})
    raise TypeError(f"give URLs, fetchpool.Requests or result records, not {type(item).__name__}")


def _file_digest(path: Optional[str], algorithm: Optional[str]) -> Optional[str]:
    if not algorithm or not path:
        return None
    with open(path, "rb") as f:
        return f"{algorithm}:{hashlib.file_digest(f, algorithm).hexdigest()}"


def _record(result: Result, digest: Optional[str]) -> dict:
    # An absolute path: the record says where the file is on the worker's machine, whatever
    # the worker's current directory, and a failed record fed back in goes to the same place.
    path = os.path.abspath(result.path) if result.path else None
    return {
        "url": result.url,
        "status": result.status,
        "category": result.category,
        "message": result.message,
        "path": path,
        "size": result.size,
        "digest": _file_digest(path, digest) if result.ok else None,
        "attempts": result.attempts,
    }


def download_partition(items: Iterable[Any], engine_options: Mapping[str, Any],
                       request_options: Mapping[str, Any], digest: Optional[str]) -> list[dict]:
    """Runs one partition on this process's Engine for `engine_options`; the records in the
    partition's order. What download() maps over the partitions."""
    engine = _engine_for(engine_options)
    transfers = [engine.submit(_request_of(item, request_options)) for item in items]
    position = {transfer.id: index for index, transfer in enumerate(transfers)}
    records: list[Optional[dict]] = [None] * len(transfers)
    for result in engine.as_completed(transfers):
        records[position[result.id]] = _record(result, digest)
    return records  # type: ignore[return-value]


def _download_series(series: Any, engine_options: Mapping[str, Any], request_options: Mapping[str, Any],
                     digest: Optional[str]) -> Any:
    import pandas

    records = download_partition(series.tolist(), engine_options, request_options, digest)
    return pandas.DataFrame.from_records(records, columns=list(RECORD_FIELDS))


def _meta() -> Any:
    import pandas

    return pandas.DataFrame({
        "url": pandas.Series(dtype=object), "status": pandas.Series(dtype=object),
        "category": pandas.Series(dtype=object), "message": pandas.Series(dtype=object),
        "path": pandas.Series(dtype=object), "size": pandas.Series(dtype="int64"),
        "digest": pandas.Series(dtype=object), "attempts": pandas.Series(dtype="int64"),
    })


def download(urls_or_requests: Any, *, npartitions: Optional[int] = None, partition_size: int = 1000,
             digest: Optional[str] = "sha256", **options: Any) -> Any:
    """Downloads on Dask: returns a lazy dask Bag of result records (a dask DataFrame for a
    dask DataFrame column), computed wherever Dask computes (a distributed Client's
    cluster, or the local scheduler).

    urls_or_requests: a sequence (URLs, fetchpool.Requests, or records of an earlier run:
    dicts with "url" and "path"), a dask Bag of those, or a dask Series (a DataFrame column)
    of URLs. npartitions / partition_size: how a sequence is split (default: 1000 items a
    partition); a Bag or Series keeps its own partitions. digest: the hashlib algorithm
    each complete file is read back with for the record's "digest" ("sha256:HEX"); None
    skips it. options: Engine options (output_dir, max_concurrent, retries, ...) for each
    worker's Engine, and Request fields applied to every request (if_exists, headers,
    ...). A relative output_dir is taken from each worker's current directory: give an
    absolute path, on a filesystem every worker shares or on each worker's own disk.

    Each record: url, status ("ok", "skipped", "failed", "cancelled"), category, message,
    path (absolute, on the worker's machine), size, digest (None unless ok), attempts.
    """
    engine_options = {name: value for name, value in options.items() if name in ENGINE_OPTION_NAMES}
    # A worker's Engine serves partition after partition, and Dask may compute one again: a
    # path an earlier partition wrote is then found there (skipped), not refused.
    engine_options.setdefault("unique_paths", False)
    request_options = {name: value for name, value in options.items() if name not in ENGINE_OPTION_NAMES}
    unknown = set(request_options) - REQUEST_FIELDS
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(sorted(unknown))} (Engine options: "
                        f"{', '.join(sorted(ENGINE_OPTION_NAMES))}; Request fields: {', '.join(sorted(REQUEST_FIELDS))})")
    if "progress" in options:
        raise TypeError("progress= draws on one terminal: watch the Dask dashboard instead")

    try:
        import dask.bag
    except ImportError as missing:
        raise ImportError("fetchpool.dask.download needs Dask: apt-get install python3-dask python3-distributed "
                          "(python3-pandas for DataFrames)") from missing

    if isinstance(urls_or_requests, dask.bag.Bag):
        return urls_or_requests.map_partitions(download_partition, engine_options, request_options, digest)
    try:
        import dask.dataframe
    except ImportError:  # dask without pandas: no DataFrames to be given
        dask_series = ()
    else:
        dask_series = (dask.dataframe.Series,)
    if dask_series and isinstance(urls_or_requests, dask.dataframe.DataFrame):
        if "url" not in urls_or_requests.columns:
            raise TypeError("give a DataFrame column of URLs (frame.url), or a DataFrame with a 'url' column")
        urls_or_requests = urls_or_requests["url"]
    if dask_series and isinstance(urls_or_requests, dask_series):
        return urls_or_requests.map_partitions(_download_series, engine_options, request_options, digest,
                                               meta=_meta())
    items = list(urls_or_requests)
    if npartitions is None:
        npartitions = max(1, -(-len(items) // partition_size))
    return dask.bag.from_sequence(items, npartitions=npartitions).map_partitions(download_partition,
                                                                                 engine_options, request_options,
                                                                                 digest)
