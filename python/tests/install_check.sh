#!/usr/bin/env bash
# The documented install, as a newcomer runs it: a venv of Debian's Python that sees the
# system's packages, then pip without build isolation and without any package index.
# Then the installed package downloads a file (from a local nginx-free fault server).
set -euo pipefail
root="$1"
work="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
(cd "$root" && "$work/venv/bin/pip" install -q --no-build-isolation --no-index .)
/usr/bin/python3 "$root/tests/support/fault_server.py" 0 /dev/null > "$work/port" &
server_pid=$!
for _ in $(seq 100); do grep -q PORT "$work/port" && break; sleep 0.05; done  # at most 5 s
port="$(cut -d' ' -f2 "$work/port")"
cd "$work"  # not the checkout: the installed package, not python/fetchpool, is imported
"$work/venv/bin/python" - "$port" <<'PY'
import sys, fetchpool
assert fetchpool.__file__.startswith(sys.prefix), fetchpool.__file__
result = fetchpool.get(f"http://127.0.0.1:{sys.argv[1]}/data/installed?size=1000", "installed.bin")
result.raise_for_status()
assert len(open("installed.bin", "rb").read()) == 1000
assert "Downloads one URL" in fetchpool.get.__doc__
print("installed", fetchpool.version)
PY
