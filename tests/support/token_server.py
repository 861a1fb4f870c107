#!/usr/bin/env python3
"""A Registry v2 token server for fetchpool's tests (standard library + the openssl CLI).

  token_server.py PORT_FILE KEY_PEM CERT_PEM LOG_FILE LIFETIME_FILE < USER:PASSWORD \n IDENTITY_TOKEN

Serves GET /token?service=S&scope=repository:NAME:ACTIONS as the registry's `token` auth
expects: a JWT signed RS256 by KEY with CERT in its x5c header. Anonymous requests get pull
access; requests with Basic USER:PASSWORD (read from stdin: credentials go on no command
line) get what they ask for; wrong credentials get 401.
Also serves POST /token as Docker's OAuth2 endpoint does: a form with
grant_type=refresh_token, refresh_token=IDENTITY_TOKEN (stdin's second line), this service
and a client_id gets USER's
access as {"access_token": ...}; another refresh token gets 401 {"error": "invalid_grant"},
one starting "invalid-request" 400 {"error": "invalid_request", ...}.
Writes "PORT <n>" to PORT_FILE once listening; logs each request (scope, user, grant) to LOG_FILE.
Tokens expire after 300 s, or after the seconds LIFETIME_FILE holds when it exists (read
at every request, so a test can make tokens short-lived after pushing its images).
While a file token-rotate exists beside LIFETIME_FILE, each refresh grant answers a new
refresh_token too, and from then on only the newest one is good (logged "rotated": true).
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY, CERT, LOG, LIFETIME_FILE = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
CREDENTIALS = sys.stdin.readline().strip()
IDENTITY_TOKEN = sys.stdin.readline().strip()
ISSUER, SERVICE = "fetchpool-test-issuer", "fetchpool-test-registry"
log_lock = threading.Lock()
ROTATE_FILE = os.path.join(os.path.dirname(LIFETIME_FILE), "token-rotate")
refresh_token = IDENTITY_TOKEN  # the one good now; rotated while ROTATE_FILE exists
rotations = 0


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def certificate_der():
    pem = open(CERT).read()
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    return base64.b64decode(body)


def lifetime():
    try:
        with open(LIFETIME_FILE) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 300


def sign(message):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=message, capture_output=True,
                          check=True).stdout


def log(entry):
    with log_lock, open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        user = ""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            given = base64.b64decode(auth[6:]).decode(errors="replace")
            if given != CREDENTIALS:
                self.reply(401)
                return
            user = given.split(":", 1)[0]
        self.issue(query.get("scope", []), user, "", "token")

    def do_POST(self):
        global refresh_token, rotations
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(min(length, 65536)).decode(errors="replace"))
        grant = form.get("grant_type", [""])[0]
        with log_lock:
            good = refresh_token
        refused = (grant != "refresh_token" or not good or form.get("refresh_token", [""])[0] != good
                   or form.get("service", [""])[0] != SERVICE or not form.get("client_id", [""])[0])
        if form.get("refresh_token", [""])[0].startswith("invalid-request"):  # what a test asks for
            log({"scope": form.get("scope", []), "user": "", "grant": grant, "refused": True})
            self.reply(400, json.dumps({"error": "invalid_request",
                                        "error_description": "client_id is not known here"}).encode())
            return
        if refused:
            log({"scope": form.get("scope", []), "user": "", "grant": grant, "refused": True})
            self.reply(401, json.dumps({"error": "invalid_grant"}).encode())
            return
        renewed = None
        if os.path.exists(ROTATE_FILE):
            with log_lock:
                rotations += 1
                refresh_token = renewed = f"{IDENTITY_TOKEN}-rotated-{rotations}"
        # The OAuth2 form may carry several scopes in one field, space separated.
        scopes = [part for field in form.get("scope", []) for part in field.split(" ") if part]
        self.issue(scopes, CREDENTIALS.split(":", 1)[0], grant, "access_token", renewed)

    def issue(self, scopes, user, grant, field, renewed=None):
        access = []
        for scope in scopes:
            kind, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else ("", "", "")
            wanted = actions.split(",")
            allowed = wanted if user else [a for a in wanted if a == "pull"]
            access.append({"type": kind, "name": name, "actions": allowed})
        entry = {"scope": scopes, "user": user}
        if grant:
            entry["grant"] = grant
        if renewed:
            entry["rotated"] = True
        log(entry)
        now, expires_in = int(time.time()), lifetime()
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(certificate_der()).decode()]}
        claims = {"iss": ISSUER, "sub": user, "aud": SERVICE, "exp": now + expires_in, "nbf": now - 10, "iat": now,
                  "jti": str(time.monotonic_ns()), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
        token = signing_input.decode() + "." + b64url(sign(signing_input))
        answer = {field: token, "expires_in": expires_in}
        if renewed:
            answer["refresh_token"] = renewed
        self.reply(200, json.dumps(answer).encode())


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(f"PORT {server.server_address[1]}\n")
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
