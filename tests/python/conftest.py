"""What the Python tests share: a running `sismatch demo` (three national nodes, the matching
core and the web page, open mode, on free ports), started once per test module.
"""

import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

# Sample alerts the demo loads: small, so that it starts in seconds.
ALERTS = 600
# How long the demo may take to load its sample and start serving.
STARTUP_TIMEOUT = float(os.environ.get("SISMATCH_DEMO_TIMEOUT", "180"))
# How long the demo may take to stop after SIGTERM.
STOP_TIMEOUT = 30.0

FOUND_FIRST = re.compile(r"^expected alert found first: (\S+)$")


class Demo:
    """A `sismatch demo` subprocess: its addresses, its output so far, its standard error."""

    def __init__(self, binary, data_dir):
        self.data_dir = data_dir
        self.stderr_path = os.path.join(data_dir, "demo.stderr")
        self.command = [
            binary, "demo", "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0", "--alerts", str(ALERTS),
            "--data", os.path.join(data_dir, "federation"),
        ]
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1
        )
        self.lines = []
        self._queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.core = None
        self.web = None
        self.nodes = {}

    def _read(self):
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def stderr_tail(self, lines=40):
        self._stderr.flush()
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as error:
            return f"(cannot read {self.stderr_path}: {error})"

    def diagnostics(self):
        return (
            f"command: {' '.join(self.command)}\n"
            f"exit status: {self.process.poll()}\n"
            f"--- stdout so far ---\n" + "\n".join(self.lines) + "\n"
            f"--- stderr (last lines) ---\n{self.stderr_tail()}"
        )

    def wait_until_serving(self, timeout):
        """Reads stdout until `serving until Ctrl-C`: the sample is loaded and indexed."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(
                    f"the demo did not print its addresses and start serving within "
                    f"{timeout:.0f} s (core address: {self.core})\n{self.diagnostics()}"
                )
            try:
                line = self._queue.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                pytest.fail(f"the demo closed its output before serving\n{self.diagnostics()}")
            self.lines.append(line)
            if line.startswith("web: "):
                self.web = line.removeprefix("web: ").strip()
            if line.startswith("core: "):
                self.core = line.removeprefix("core: ").strip()
            match = re.match(r"^node ([A-Z]{2}): (\S+)$", line)
            if match:
                self.nodes[match.group(1)] = match.group(2)
            if line.startswith("serving until Ctrl-C"):
                break
        if not self.core:
            pytest.fail(f"the demo printed no `core: ADDR` line\n{self.diagnostics()}")
        if sorted(self.nodes) != ["BE", "FR", "NL"]:
            pytest.fail(f"expected `node XX: ADDR` lines for NL, BE, FR\n{self.diagnostics()}")

    def example_alert_ids(self):
        """Ids of the alerts the demo's example searches found first."""
        return [m.group(1) for m in map(FOUND_FIRST.match, self.lines) if m]

    def stop(self):
        """Kills the demo if it is still running (after a failure) and closes its files."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        self._stderr.close()


@pytest.fixture(scope="module")
def demo():
    binary = os.environ.get("SISMATCH_BIN", "target/debug/sismatch")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"no sismatch binary at {binary} (set SISMATCH_BIN or run tests/python/run.sh)")
    data_dir = tempfile.mkdtemp(prefix="sismatch-py-demo-")
    running = Demo(binary, data_dir)
    try:
        running.wait_until_serving(STARTUP_TIMEOUT)
        yield running
    finally:
        running.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


