#!/usr/bin/env python3
"""The fault-injecting HTTP/1.1 server for fetchpool's tests (standard library only).

Serves deterministic data and misbehaves on demand; the query string picks how:

  /data/NAME?size=N               N bytes derived from NAME (see body_of), an ETag,
                                  Accept-Ranges, Range/If-Range honoured
    &reset_after=B                reset the connection after B body bytes
    &stall_after=B                send B body bytes, then nothing, keeping the socket open
    &short_by=B                   close the connection B bytes short of Content-Length
    &fail_first=K&status=S        answer S (default 503) to the first K requests for NAME
    &retry_after=T                with such a failure, a Retry-After: T header
    &error_body=TEXT              with such a failure, TEXT (percent-decoded) as its body,
                                  as application/json (a registry's or OAuth2's error)
    &ignore_range=1               always 200 with the whole body, no Accept-Ranges
    &changing_etag=1              a new ETag on every request (the content changes too)
    &ignore_if_range=1            honour Range even when If-Range names another version
    &digest=right|wrong           advertise Repr-Digest, X-Checksum-Sha256 and Digest
    &trickle=BPS                  send at BPS bytes per second
    &fault_once=1                 reset/stall/short only on the first request for NAME
    &fault_on=K                   reset/stall/short only on the K-th request for NAME
    &no_length=1                  no Content-Length: the body ends when the connection closes
    &short_range=B                to a Range request, a 206 whose Content-Range (and body)
                                  ends B bytes before what was asked; the total stays SIZE
    &partial=B                    to a request without Range, a 206 for bytes 0-(B-1)/SIZE
    &answer=S                     answer status S (a 3xx: no Location) with a small HTML
                                  body (none for 204, 304), instead of the data
    &trickle_gap=T                send one byte every T seconds (a trickle under any rate)
    &disposition=VALUE            a Content-Disposition: VALUE header (VALUE percent-decoded
                                  from the query, so any bytes can be sent)
  /q/QUERY/NAME                   the same as /data/NAME?QUERY, for clients that name files
                                  after the last path segment and keep a query in it
  /lie/NAME?seed=S&size=N         the liar: each request for NAME is answered from a random
                                  choice seeded by S and the request's number (see lie()), over
                                  status, lengths, ranges, framing, validators and digests;
                                  the content itself is always body_of(NAME, N)
  /v2/...                         a registry that wants a token: 401 with a Bearer challenge
                                  whose realm is this server's /data/token?stall_after=0 (a
                                  token service that sends its headers, then nothing)
  /redirect-loop                  a 302 to itself
  /redirect?to=URL                a 302 to URL (&code=S: status S instead, a 303 or 307)
  /status?code=S                  an empty response with status S
  CONNECT HOST:PORT               a forward proxy's tunnel, chosen by HOST's first label:
                                  garbage.* is answered with bytes that are no HTTP, auth.*
                                  with a 407 asking for credentials; any other HOST:PORT is
                                  tunnelled to

Prints "PORT <n>" on stdout once listening. Every request's method, path and headers go
to the log file given as the second argument, one JSON object per line, with "active": how
many requests (this one included) were being served at that moment. A POST is served as the
GET of its path would be, its body logged as "body".
"""

import base64
import select
import hashlib
import json
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {}
counts_lock = threading.Lock()
active = 0
log_lock = threading.Lock()
LOG_PATH = None
CHUNK = 16 * 1024


body_cache = {}
body_lock = threading.Lock()


def query_of(text):
    """A query string as a dict, the last value of each name winning."""
    # surrogateescape: a value's bytes that are not UTF-8 survive (see header_bytes)
    return {k: v[-1] for k, v in urllib.parse.parse_qs(text, errors="surrogateescape").items()}


def header_bytes(value):
    """A query value as send_header() writes it (latin-1): the very bytes the query named."""
    return value.encode("utf-8", "surrogateescape").decode("latin-1")


def body_of(name, size, version=0):
    """The bytes of NAME: SHAKE-128 of "NAME:VERSION", so a test can compute the same."""
    key = (name, size, version)
    with body_lock:
        if key not in body_cache:
            if len(body_cache) > 8:
                body_cache.clear()
            body_cache[key] = hashlib.shake_128(f"{name}:{version}".encode()).digest(size)
        return body_cache[key]


def count(key):
    with counts_lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, in_progress, body=None):
        entry = {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                 "active": in_progress}
        if body is not None:
            entry["body"] = body
        with log_lock, open(LOG_PATH, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.do_GET(self.rfile.read(min(length, 1 << 20)).decode(errors="replace"))

    def do_GET(self, body=None):
        global active
        with counts_lock:
            active += 1
            in_progress = active
        try:
            self.record(in_progress, body)
            self.serve()
        finally:
            with counts_lock:
                active -= 1

    def do_CONNECT(self):
        self.record(1)
        host, _, port = self.path.rpartition(":")
        if host.startswith("garbage."):
            self.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\nnot an HTTP answer\r\n\r\n")
            self.close_connection = True
            return
        if host.startswith("auth."):
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except (OSError, ValueError):
            self.empty(502)
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        self.relay(self.connection, upstream)
        self.close_connection = True

    @staticmethod
    def relay(client, upstream, idle_s=30):
        """Copies bytes both ways until a side closes or nothing moves for idle_s."""
        with upstream:
            peers = {client: upstream, upstream: client}
            while True:
                readable, _, _ = select.select(list(peers), [], [], idle_s)
                if not readable:
                    return
                for source in readable:
                    try:
                        data = source.recv(CHUNK)
                        if not data:
                            return
                        peers[source].sendall(data)
                    except OSError:
                        return

    def serve(self):
        url = urllib.parse.urlsplit(self.path)
        query = query_of(url.query)
        try:
            if url.path == "/redirect-loop":
                return self.redirect("/redirect-loop")
            if url.path == "/redirect":
                return self.redirect(query["to"], int(query.get("code", "302")))
            if url.path == "/status":
                return self.empty(int(query.get("code", "200")))
            if url.path.startswith("/v2/"):
                port = self.server.server_address[1]
                realm = f"http://127.0.0.1:{port}/data/token?size=1000&stall_after=0"
                return self.empty(401, [("WWW-Authenticate", f'Bearer realm="{realm}",service="fault"')])
            if url.path.startswith("/data/"):
                return self.data(url.path[len("/data/"):], query)
            if url.path.startswith("/lie/"):
                return self.lie(url.path[len("/lie/"):], query)
            if url.path.startswith("/q/") and url.path.count("/") == 3:
                _, _, path_query, name = url.path.split("/")
                return self.data(name, query_of(urllib.parse.unquote(path_query)))
            self.empty(404)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def redirect(self, location, code=302):
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def lie(self, name, q):
        """Answers with one seeded random choice of what servers and proxies get wrong.

        Every lie is one a careful client can tell from the truth: a body cut short of what
        its headers state, a range that is not the one asked, a size that disagrees with an
        earlier answer, a wrong digest. Answers that are wrong but self-consistent (a 200
        whose Content-Length and body are both short) are indistinguishable from another
        file, so the liar never tells them: the content is always body_of(NAME, SIZE).
        """
        size = int(q.get("size", "1024"))
        n = count("lie:" + name)
        rng = random.Random(f"{q.get('seed', '0')}:{name}:{n}")
        body = body_of(name, size)
        range_header = self.headers.get("Range")
        start, end = 0, size
        if range_header and range_header.startswith("bytes="):
            first, _, last = range_header[len("bytes="):].partition("-")
            start, end = int(first), (int(last) + 1 if last else size)
        kind = rng.choices(
            ["good", "good", "good", "good", "whole", "redirect", "no_location", "not_modified", "no_content",
             "error", "cut", "long_length", "bad_range", "partial", "chunked_cut"],
            k=1)[0]
        etag = rng.choice(['"v1"', '"v1"', '"v1"', 'W/"v1"', None, f'"v{n}"'])
        digest = rng.choice(["none", "none", "right", "right", "wrong"])
        headers = []
        if etag:
            headers.append(("ETag", etag))
        if rng.random() < 0.8:
            headers.append(("Accept-Ranges", "bytes"))
        if digest != "none":
            sha = hashlib.sha256(body if digest == "right" else body + b"x")
            headers.append(("X-Checksum-Sha256", sha.hexdigest()))

        if kind == "redirect":
            return self.redirect(self.path)
        if kind in ("no_location", "not_modified", "no_content"):
            return self.page({"no_location": rng.choice([301, 302, 303, 307]), "not_modified": 304,
                              "no_content": 204}[kind])
        if kind == "error":
            return self.page(rng.choice([404, 500, 503]))

        status, piece, content_range = 200, body, None
        ranged = range_header is not None and kind != "whole" and start < size
        if ranged:
            status, piece = 206, body[start:end]
            content_range = f"bytes {start}-{end - 1}/{size}"
            if kind == "bad_range":
                lie = rng.choice(["short_end", "wrong_start", "wrong_total", "missing", "long_end"])
                if lie == "short_end" and end - start > 1:
                    cut = rng.randrange(1, end - start)
                    piece = body[start:end - cut]
                    content_range = f"bytes {start}-{end - cut - 1}/{size}"
                elif lie == "wrong_start" and start > 0:
                    s0 = rng.randrange(0, start)
                    piece = body[s0:end]
                    content_range = f"bytes {s0}-{end - 1}/{size}"
                elif lie == "wrong_total":
                    total = size + rng.choice([-1, 1, 1000])
                    piece = body[start:min(end, total)]
                    content_range = f"bytes {start}-{start + len(piece) - 1}/{total}"
                elif lie == "missing":
                    content_range = None
                else:
                    piece = body[start:end] + b"z" * 10
                    content_range = f"bytes {start}-{end + 9}/{size}"
        elif kind == "partial" and size > 1:
            status = 206
            piece = body[:rng.randrange(1, size)]
            content_range = f"bytes 0-{len(piece) - 1}/{size}"

        framing = rng.choice(["length", "length", "chunked", "close"])
        if kind == "chunked_cut":
            framing = "chunked"
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        for header, value in headers:
            self.send_header(header, value)
        if content_range:
            self.send_header("Content-Range", content_range)
        declared = len(piece) + (rng.randrange(1, 1000) if kind == "long_length" else 0)
        if framing == "length" or kind in ("long_length", "cut"):
            framing = "length"
            self.send_header("Content-Length", str(declared))
        elif framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        if framing != "length" or kind in ("long_length", "cut"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        send = piece
        if kind in ("cut", "chunked_cut") and len(piece) > 0:
            send = piece[:rng.randrange(0, len(piece))]
        if framing == "chunked":
            for at in range(0, len(send), CHUNK):
                chunk = send[at:at + CHUNK]
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            if kind != "chunked_cut":
                self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(send)
        self.wfile.flush()
        if self.close_connection:
            self.connection.shutdown(socket.SHUT_RDWR)

    def page(self, code):
        """A status with an HTML page as its body (none for 204 and 304) and no Location."""
        page = b"" if code in (204, 304) else b"<html><body>moved, but not saying where</body></html>\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(page)

    def empty(self, code, headers=(), body=b""):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def data(self, name, q):
        size = int(q.get("size", "1024"))
        n = count(name)
        fail_first = int(q.get("fail_first", "0"))
        if n <= fail_first:
            headers = [("Retry-After", q["retry_after"])] if "retry_after" in q else []
            return self.empty(int(q.get("status", "503")), headers, q.get("error_body", "").encode())

        if "answer" in q:
            return self.page(int(q["answer"]))

        version = n if q.get("changing_etag") else 0
        body = body_of(name, size, version)
        etag = f'"{name}-{size}-{version}"'
        start = 0
        status = 200
        ranged = q.get("ignore_range") != "1"
        range_header = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if_range_ok = if_range is None or if_range == etag or q.get("ignore_if_range") == "1"
        if ranged and range_header and range_header.startswith("bytes=") and if_range_ok:
            first, _, last = range_header[len("bytes="):].partition("-")
            start = int(first)
            end = int(last) + 1 if last else size
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if "short_range" in q:
                end = max(start + 1, end - int(q["short_range"]))
            status = 206
            body_slice = body[start:end]
        elif "partial" in q and not range_header:
            status = 206
            body_slice = body[:int(q["partial"])]
        else:
            body_slice = body

        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        if q.get("no_length") == "1":
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body_slice)))
        self.send_header("ETag", etag)
        if "disposition" in q:
            self.send_header("Content-Disposition", header_bytes(q["disposition"]))
        if ranged:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{start + len(body_slice) - 1}/{size}")
        if "digest" in q:
            digest_of = body if q["digest"] == "right" else body + b"x"
            sha256 = hashlib.sha256(digest_of)
            self.send_header("Repr-Digest", "sha-256=:" + base64.b64encode(sha256.digest()).decode() + ":")
            self.send_header("X-Checksum-Sha256", sha256.hexdigest())
        self.end_headers()
        if self.command == "HEAD":
            return

        faulty = q.get("fault_once") != "1" or n == fail_first + 1
        if "fault_on" in q:
            faulty = n == int(q["fault_on"])
        limit = len(body_slice)
        mode = None
        for key in ("reset_after", "stall_after", "short_by"):
            if key in q and faulty:
                mode = key
                limit = int(q[key]) if key != "short_by" else max(0, len(body_slice) - int(q[key]))
        trickle = int(q.get("trickle", "0"))
        sent = 0
        if "trickle_gap" in q:
            gap = float(q["trickle_gap"])
            while sent < limit and not self.server.stopping.is_set():
                self.wfile.write(body_slice[sent:sent + 1])
                self.wfile.flush()
                sent += 1
                self.server.stopping.wait(gap)
        while sent < min(limit, len(body_slice)):
            step = min(CHUNK, limit - sent)
            if trickle:
                step = max(1, min(step, trickle // 10))
            self.wfile.write(body_slice[sent:sent + step])
            self.wfile.flush()
            sent += step
            if trickle:
                time.sleep(step / trickle)  # the scenario: a slow server, BPS bytes a second
        if mode == "reset_after":
            # Let the client read what was sent first: a reset discards unread data, and the
            # tests want a known amount on the client's disk. Part of the fault (a pause, then
            # the reset): the server cannot see what the client has read, only what it acked.
            self.wfile.flush()
            time.sleep(0.2)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif mode == "stall_after":
            self.wfile.flush()
            while not self.server.stopping.wait(0.1):
                pass
            self.close_connection = True
        elif mode == "short_by":
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global LOG_PATH
    LOG_PATH = sys.argv[2] if len(sys.argv) > 2 else "/dev/null"
    server = Server(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    server.stopping = threading.Event()
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()


if __name__ == "__main__":
    main()
