"""Keyword arguments to the engine's options and requests (names as in the C++ API, seconds
without the _s suffix)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native

Headers = Union[Mapping[str, str], Iterable[str], None]

_IF_EXISTS = {"skip": _native.IfExists.skip, "fail": _native.IfExists.fail,
              "overwrite": _native.IfExists.overwrite}

# Python name -> (C++ field, conversion)
_ENGINE_FIELDS: dict[str, tuple[str, Any]] = {
    "max_concurrent": ("max_concurrent", int),
    "max_per_host": ("max_per_host", int),
    "connections_per_file": ("connections_per_file", int),
    "min_split_size": ("min_split_size", int),
    "output_dir": ("output_dir", os.fspath),
    "verify_tls": ("verify_tls", bool),
    "ca_cert_file": ("ca_cert_file", os.fspath),
    "use_netrc": ("use_netrc", bool),
    "netrc_file": ("netrc_file", os.fspath),
    "proxy": ("proxy", str),
    "no_proxy": ("no_proxy", str),
    "connect_timeout": ("connect_timeout_s", float),
    "stall_timeout": ("stall_timeout_s", float),
    "min_rate": ("min_rate_bytes_per_s", int),
    "max_rate": ("max_bytes_per_s", int),
    "max_time": ("max_time_s", float),
    "retries": ("retries", int),
    "retry_wait": ("retry_wait_s", float),
    "retry_wait_max": ("retry_wait_max_s", float),
    "resume": ("resume", bool),
    "verify_server_digest": ("verify_server_digest", bool),
    "max_redirects": ("max_redirects", int),
    "location_trusted": ("location_trusted", bool),
    "allow_downgrade": ("allow_downgrade", bool),
    "unique_paths": ("unique_paths", bool),
    "user_agent": ("user_agent", str),
}
ENGINE_OPTION_NAMES = frozenset(_ENGINE_FIELDS) | {"if_exists", "credentials", "auth"}


def if_exists_value(mode: str) -> "_native.IfExists":
    try:
        return _IF_EXISTS[mode]
    except KeyError:
        raise ValueError(f"if_exists={mode!r}: use 'skip', 'fail' or 'overwrite'") from None


def credentials_text(auth: Any) -> str:
    if isinstance(auth, str):
        return auth
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return f"{auth[0]}:{auth[1]}"
    raise TypeError("auth/credentials: give (user, password) or 'user:password'")


def engine_options(options: Mapping[str, Any]) -> "_native.EngineOptions":
    """EngineOptions from keyword arguments; TypeError names an unknown one."""
    native = _native.EngineOptions()
    for name, value in options.items():
        if value is None:
            continue
        if name in _ENGINE_FIELDS:
            field, convert = _ENGINE_FIELDS[name]
            setattr(native, field, convert(value))
        elif name == "if_exists":
            native.if_exists = if_exists_value(value)
        elif name in ("credentials", "auth"):
            native.credentials = credentials_text(value)
        else:
            raise TypeError(f"unknown option {name!r} (options: {', '.join(sorted(ENGINE_OPTION_NAMES))})")
    if native.max_concurrent < 1:
        raise ValueError("max_concurrent must be at least 1")
    return native


def header_lines(headers: Headers) -> list[str]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return [f"{name}: {value}" for name, value in headers.items()]
    lines = list(headers)
    for line in lines:
        if not isinstance(line, str) or ":" not in line:
            raise ValueError(f"header {line!r}: give 'Name: value' or a dict")
    return lines


@dataclasses.dataclass
class Request:
    """One download. Only `url` is required.

    file_name: the output name relative to `directory` (default: from the URL);
    directory: relative to the engine's output_dir, or absolute; headers: a dict or
    "Name: value" lines; checksum: "sha256:HEX" (sha512, sha1, md5 too), checked as bytes
    arrive; expected_size: bytes; to_memory: keep the body in Result.content instead of a
    file (up to memory_limit bytes); max_time, retries, connections, if_exists: this
    request's own limits instead of the engine's; max_rate: this file's cap in bytes/s
    (the engine's max_rate caps the whole run); mirrors: other URLs of the same file, tried
    in turn when an attempt fails (as aria2's tab-separated URIs); name_from_server: name
    the file as the server's Content-Disposition says (made safe; Result.path tells);
    post_body: send a POST of these bytes (a str is sent as UTF-8; form-encoded unless
    `headers` give a Content-Type) instead of a GET, for small API calls such as a token
    request; needs to_memory=True. A 307 or 308 redirect keeps the POST, a 301, 302 or 303
    goes on as a GET, as curl does. into_region: (file, offset, size): write the body into
    bytes [offset, offset + size) of that existing file (a tarball laid out ahead, say)
    instead of a file of its own; it must be exactly `size` bytes, nothing outside the
    region is written, and file_name/directory only name it and keep its resume state.
    """

    url: str
    file_name: str = ""
    directory: Union[str, os.PathLike, None] = None
    headers: Headers = None
    checksum: str = ""
    expected_size: int = -1
    label: str = ""
    to_memory: bool = False
    memory_limit: int = 64 * 1024 * 1024
    max_time: Optional[float] = None
    retries: Optional[int] = None
    connections: Optional[int] = None
    if_exists: Optional[str] = None
    max_rate: Optional[int] = None
    mirrors: Sequence[str] = ()
    name_from_server: bool = False
    post_body: Union[bytes, str, None] = None
    into_region: Optional[Tuple[Union[str, os.PathLike], int, int]] = None

    def to_native(self) -> "_native.Request":
        return _native.Request(self.url, "" if self.directory is None else os.fspath(self.directory), self.file_name,
                               header_lines(self.headers), self.checksum, self.expected_size, self.label,
                               self.to_memory, self.memory_limit, self.max_time, self.retries, self.connections,
                               None if self.if_exists is None else if_exists_value(self.if_exists),
                               self.max_rate, list(self.mirrors), self.name_from_server,
                               self.post_body.encode() if isinstance(self.post_body, str) else self.post_body,
                               None if self.into_region is None else
                               (os.fspath(self.into_region[0]), int(self.into_region[1]), int(self.into_region[2])))


REQUEST_FIELDS = frozenset(field.name for field in dataclasses.fields(Request)) - {"url"}


def make_request(url_or_request: Union[str, Request], per_request: Mapping[str, Any]) -> Request:
    if isinstance(url_or_request, Request):
        if per_request:
            return dataclasses.replace(url_or_request, **per_request)
        return url_or_request
    if not isinstance(url_or_request, str):
        raise TypeError(f"give a URL or a fetchpool.Request, not {type(url_or_request).__name__}")
    unknown = set(per_request) - REQUEST_FIELDS
    if unknown:
        raise TypeError(f"unknown request field(s) {', '.join(sorted(unknown))} "
                        f"(fields: {', '.join(sorted(REQUEST_FIELDS))})")
    return Request(url_or_request, **per_request)


_DEFAULT_MEMORY_LIMIT = Request.__dataclass_fields__["memory_limit"].default


def native_request(url_or_request: Union[str, Request], per_request: Mapping[str, Any]) -> "_native.Request":
    """The C++ Request for a submit. A bare URL (the common case, thousands at a time)
    skips the Python Request: fewer objects for the garbage collector to walk."""
    if isinstance(url_or_request, str) and not per_request:
        return _native.Request(url_or_request, "", "", [], "", -1, "", False, _DEFAULT_MEMORY_LIMIT, None, None,
                               None, None)
    return make_request(url_or_request, per_request).to_native()
