"""progress="bar": the command line's live display, drawn by the engine in a real terminal
(a tmux server of the test's own), with a stalled transfer and a finished one on screen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest


class Tmux:
    def __init__(self, command: str) -> None:
        self.socket = f"fetchpool-py-{os.getpid()}"
        subprocess.run(["/usr/bin/tmux", "-u", "-L", self.socket, "new-session", "-d", "-x", "100", "-y", "30", "-s",
                        "main", "-e", "LANG=C.UTF-8", command], check=True, timeout=10)
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}").strip())

    def tmux(self, *args: str) -> str:
        return subprocess.run(["/usr/bin/tmux", "-u", "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=10).stdout

    def screen_with(self, text: str, limit_s: float) -> str:
        deadline = time.monotonic() + limit_s
        while True:
            shown = self.tmux("capture-pane", "-p", "-t", "main")
            if text in shown or time.monotonic() > deadline:
                return shown
            time.sleep(0.1)  # between looks at the screen, for at most limit_s

    def stop(self) -> None:
        os.kill(self.server_pid, 15)


def test_the_bar_shows_a_stalled_transfer_and_the_totals(faults, nginx, tmp_path):
    done_url = nginx.add("bar/done.bin", b"d" * 10_000)
    stalled_url = faults.data("stuck-for-the-bar.bin", 1_000_000, stall_after=300_000)
    script = tmp_path / "bar.py"
    script.write_text(textwrap.dedent(f"""
        import fetchpool, time
        with fetchpool.Engine(progress="bar", output_dir={str(tmp_path / 'out')!r}) as engine:
            engine.submit({done_url!r}).result()
            stuck = engine.submit({stalled_url!r})
            time.sleep(60)
    """))
    env = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
    terminal = Tmux(f"env {env} {sys.executable} {script}; sleep 60")
    try:
        screen = terminal.screen_with("stalled 1", 20)
        lines = screen.splitlines()
        total = next((line for line in lines if "files" in line), "")
        row = next((line for line in lines if "stuck-for-the-bar.bin" in line), "")
        assert total.startswith("1/2 files"), screen
        assert "active 1" in total and "stalled 1" in total, screen
        assert "stalled" in row and "293KiB/977KiB" in row, screen
    finally:
        terminal.stop()
