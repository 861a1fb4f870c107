"""Container images: fetchpool.pull() and AsyncEngine.pull()."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional, Sequence, Union

from . import _native
from ._errors import Error
from ._options import engine_options
from ._progress import BlobBars, progress_of
from ._result import Result

_FORMATS = {"docker-archive": _native.ImageFormat.docker_archive, "oci": _native.ImageFormat.oci_layout}


class PullError(Error):
    """A pull that did not end ok; str() says why."""

    category = "pull"

    def __init__(self, result: "PullResult") -> None:
        Exception.__init__(self, f"{result.image}: {result.error}")
        self.result = result  # type: ignore[assignment]


@dataclasses.dataclass
class PullResult:
    """ok; error (why not, for a person); manifest_digest; reference (the full reference
    pulled, e.g. "docker.io/library/alpine:latest"); blobs: the config and layers' Results;
    images: (reference, manifest digest) of every image written, the first one first."""

    image: str
    ok: bool
    error: str
    manifest_digest: str
    reference: str
    blobs: list[Result]
    images: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def raise_for_status(self) -> "PullResult":
        if not self.ok:
            raise PullError(self)
        return self


def pull_options(image: Union[str, Sequence[str]], output: Union[str, os.PathLike],
                 options: dict) -> "_native.PullOptions":
    options = dict(options)
    native = _native.PullOptions()
    images = [image] if isinstance(image, str) else list(image)
    if not images:
        raise ValueError("no image given")
    for name in images:
        why = _native.check_image_reference(name)
        if why:
            raise ValueError(f"{name!r}: {why}")
    native.image = images[0]
    native.more_images = images[1:]
    native.output = os.fspath(output)
    image_format = options.pop("format", "docker-archive")
    if image_format not in _FORMATS:
        raise ValueError(f"format={image_format!r}: use 'docker-archive' or 'oci'")
    native.format = _FORMATS[image_format]
    native.platform = options.pop("platform", None) or ""
    native.all_platforms = bool(options.pop("all_platforms", False))
    native.plain_http = bool(options.pop("plain_http", False))
    mirrors: Sequence[str] = options.pop("mirrors", ()) or ()
    native.mirrors = list(mirrors)
    native.mirror_all_registries = bool(options.pop("mirror_all_registries", False))
    cache_dir = options.pop("cache_dir", None)
    if cache_dir:
        native.cache_dir = os.fspath(cache_dir)
    username: Optional[str] = options.pop("username", None)
    password: Optional[str] = options.pop("password", None)
    if username is not None:
        native.credentials = f"{username}:{password or ''}"
    auth_file = options.pop("authfile", None)
    if auth_file:
        if not os.path.isfile(auth_file):
            raise FileNotFoundError(f"authfile={os.fspath(auth_file)!r}: no such file")
        native.auth_file = os.fspath(auth_file)
    native.engine = engine_options(options)
    return native


class _Watch:
    """How a pull is shown as it runs: progress=None (nothing), "bar" (the command line's
    live display on stderr, drawn by the engine), "tqdm" or a dict of tqdm options (a bar
    per blob, BlobBars)."""

    def __init__(self, progress: Any) -> None:
        if progress not in (None, False, "bar", "tqdm") and not isinstance(progress, dict):
            raise ValueError(f"progress={progress!r}: use None, 'bar' or 'tqdm' (or a dict of tqdm options)")
        self.live_display = progress == "bar"
        self.bars: Optional[BlobBars] = None
        if progress == "tqdm" or isinstance(progress, dict):
            self.bars = BlobBars(**(progress if isinstance(progress, dict) else {}))

    def start(self, native: "_native.PullOptions") -> "_native.PullRun":
        return _native.PullRun(native, self.live_display)

    def look(self, run: "_native.PullRun") -> None:
        if self.bars is not None:
            snapshot = run.progress()
            if snapshot is not None:
                self.bars.update(progress_of(snapshot))

    def end(self, result: Optional["PullResult"]) -> None:
        if self.bars is not None:
            self.bars.finish(result.blobs if result is not None else [])


def _result_of(image: str, native: "_native.PullResult") -> PullResult:
    return PullResult(image=image, ok=native.ok, error=native.error, manifest_digest=native.manifest_digest,
                      reference=native.reference, blobs=[Result(blob) for blob in native.blobs],
                      images=list(native.images))


def pull(image: Union[str, Sequence[str]], output: Union[str, os.PathLike], *, format: str = "docker-archive",
         platform: Optional[str] = None, mirrors: Sequence[str] = (), username: Optional[str] = None,
         password: Optional[str] = None, progress: Any = None, **options: Any) -> PullResult:
    """Pulls one image from a Registry v2 registry into `output`: a docker-archive tarball
    (`docker load`, `podman load`, skopeo) or, with format="oci", an OCI layout directory.
    Several images (a list) go into one output, as `docker save IMAGE...` writes them,
    each shared blob fetched once.
    platform: "os/arch[/variant]" (default: this machine's); mirrors: registries tried
    first; username/password: else the credential helpers and auth files docker and podman
    use (docs/PULL.md, "Credentials"); authfile: read only that auth.json. progress: None, "bar" (the
    command line's display on stderr), "tqdm" (a bar per blob) or a dict of tqdm options.
    options: the Engine's (retries, connect_timeout, proxy, ...). Ctrl-C cancels the pull."""
    native = pull_options(image, output, dict(options, format=format, platform=platform, mirrors=mirrors,
                                               username=username, password=password))
    watch = _Watch(progress)
    run = watch.start(native)
    result = None
    try:
        while result is None:
            ended = run.wait_for(0.1)
            if ended is not None:
                result = _result_of(native.image, ended)
            else:
                watch.look(run)
        return result
    except KeyboardInterrupt:
        run.cancel()
        raise
    finally:
        watch.end(result)


async def wait_for_pull_async(native: "_native.PullOptions", progress: Any = None) -> PullResult:
    import asyncio  # here, so that `import fetchpool` does not pay for asyncio (see __init__)

    watch = _Watch(progress)
    run = watch.start(native)
    result = None
    try:
        while result is None:
            ended = run.wait_for(0)
            if ended is not None:
                result = _result_of(native.image, ended)
            else:
                watch.look(run)
                await asyncio.sleep(0.05)
        return result
    except asyncio.CancelledError:
        run.cancel()
        raise
    finally:
        watch.end(result)
