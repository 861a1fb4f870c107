"""Container images: fetchpool.pull() and AsyncEngine.pull()."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import Any, Optional, Sequence, Union

from . import _native
from ._errors import Error
from ._options import engine_options
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
    pulled, e.g. "docker.io/library/alpine:latest"); blobs: the config and layers' Results."""

    image: str
    ok: bool
    error: str
    manifest_digest: str
    reference: str
    blobs: list[Result]

    def raise_for_status(self) -> "PullResult":
        if not self.ok:
            raise PullError(self)
        return self


def pull_options(image: str, output: Union[str, os.PathLike], options: dict) -> "_native.PullOptions":
    options = dict(options)
    native = _native.PullOptions()
    why = _native.check_image_reference(image)
    if why:
        raise ValueError(f"{image!r}: {why}")
    native.image = image
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
    options.pop("progress", None)
    native.engine = engine_options(options)
    return native


def _result_of(image: str, native: "_native.PullResult") -> PullResult:
    return PullResult(image=image, ok=native.ok, error=native.error, manifest_digest=native.manifest_digest,
                      reference=native.reference, blobs=[Result(blob) for blob in native.blobs])


def pull(image: str, output: Union[str, os.PathLike], *, format: str = "docker-archive",
         platform: Optional[str] = None, mirrors: Sequence[str] = (), username: Optional[str] = None,
         password: Optional[str] = None, **options: Any) -> PullResult:
    """Pulls one image from a Registry v2 registry into `output`: a docker-archive tarball
    (`docker load`, `podman load`, skopeo) or, with format="oci", an OCI layout directory.
    platform: "os/arch[/variant]" (default: this machine's); mirrors: registries tried
    first; username/password: else Docker's config.json. options: the Engine's (retries,
    connect_timeout, proxy, ...). Ctrl-C cancels the pull."""
    native = pull_options(image, output, dict(options, format=format, platform=platform, mirrors=mirrors,
                                               username=username, password=password))
    run = _native.PullRun(native)
    try:
        while True:
            ended = run.wait_for(0.1)
            if ended is not None:
                return _result_of(image, ended)
    except KeyboardInterrupt:
        run.cancel()
        raise


async def wait_for_pull_async(native: "_native.PullOptions") -> PullResult:
    run = _native.PullRun(native)
    try:
        while True:
            ended = run.wait_for(0)
            if ended is not None:
                return _result_of(native.image, ended)
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        run.cancel()
        raise
