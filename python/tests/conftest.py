"""Real servers for the Python package's tests: nginx for plain files, and the project's
fault-injecting server for stalls, trickles, failures and redirects. Both listen on
127.0.0.1 only and are stopped by their PID."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SUPPORT = Path(os.environ.get("FETCHPOOL_TEST_SUPPORT", Path(__file__).resolve().parents[2] / "tests" / "support"))
sys.path.insert(0, str(SUPPORT))
import fault_server  # noqa: E402  (the server's own body_of: the bytes it sends)


def body_of(name: str, size: int) -> bytes:
    return fault_server.body_of(name, size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start ({process.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)  # until it listens, at most 10 s
    raise RuntimeError(f"{what} did not start")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Nginx:
    """nginx serving `root` (files made by the tests) on 127.0.0.1."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        self.port = _free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = work / "nginx.conf"
        conf.write_text(f"""{user}daemon off;
worker_processes 1;
error_log {work}/error.log warn;
pid {work}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{self.port} backlog=4096;
    root {root};
    location /tiny/ {{ return 200 "x"; }}
    location /auth/ {{
      auth_basic "fetchpool";
      auth_basic_user_file {work}/htpasswd;
    }}
  }}
}}
""")
        # alice:s3cret, as `openssl passwd -apr1` would write it
        hashed = subprocess.run(["openssl", "passwd", "-apr1", "s3cret"], check=True, capture_output=True,
                                text=True).stdout.strip()
        (work / "htpasswd").write_text(f"alice:{hashed}\n")
        self.process = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(work), "-e",
                                         f"{work}/error.log"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_listening(self.port, self.process, "nginx")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, name: str, data: bytes) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return self.url("/" + name)


class FaultServer:
    def __init__(self, work: Path) -> None:
        self.log = work / "requests.jsonl"
        self.log.write_text("")
        self.process = subprocess.Popen(["/usr/bin/python3", str(SUPPORT / "fault_server.py"), "0", str(self.log)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            _stop(self.process)
            raise RuntimeError(f"the fault server did not start: {line!r}")
        self.port = int(line.split()[1])

    def url(self, path_and_query: str) -> str:
        return f"http://127.0.0.1:{self.port}{path_and_query}"

    def data(self, name: str, size: int, **query) -> str:
        extra = "".join(f"&{key}={value}" for key, value in query.items())
        return self.url(f"/data/{name}?size={size}{extra}")


def _serve(name: str, start):
    """One server for the session, in a directory of its own, stopped by PID at the end."""
    work = Path(tempfile.mkdtemp(prefix=f"fetchpool-py-{name}-"))
    server = start(work)
    yield server
    _stop(server.process)
    shutil.rmtree(work, ignore_errors=True)


def _nginx_in(work: Path) -> "Nginx":
    (work / "root").mkdir()
    return Nginx(work / "root", work)


@pytest.fixture(scope="session")
def nginx():
    yield from _serve("nginx", _nginx_in)


@pytest.fixture(scope="session")
def faults():
    yield from _serve("faults", FaultServer)


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


class Registry:
    """Debian's docker-registry (no auth) on 127.0.0.1, with images pushed by skopeo."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = _free_port()
        (work / "config.yml").write_text(
            f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {work}/storage\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n")
        self.process = subprocess.Popen(["/usr/bin/docker-registry", "serve", str(work / "config.yml")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_listening(self.port, self.process, "docker-registry")

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def push(self, repository: str, tag: str, layers: int = 2, layer_size: int = 200_000) -> str:
        layout = self.work / "layouts" / f"{repository.replace('/', '-')}-{tag}"
        made = subprocess.run(["/usr/bin/python3", str(SUPPORT / "make_image.py"), str(layout), tag, "--layers",
                               str(layers), "--layer-size", str(layer_size)], check=True, capture_output=True,
                              text=True)
        subprocess.run(["/usr/bin/skopeo", "copy", "--all", "--dest-tls-verify=false", f"oci:{layout}:{tag}",
                        f"docker://{self.host}/{repository}:{tag}"], check=True, capture_output=True)
        return made.stdout.split()[0]


@pytest.fixture(scope="session")
def registry():
    yield from _serve("registry", Registry)
