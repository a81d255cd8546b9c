"""The CLI end to end: ``python -m durable.cli`` subprocesses against ``durable dev`` on a free port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def durable(*args: str, address: str | None, timeout: float = 60) -> Run:
    """Run the CLI as a user would (``durable ...``), from the project's root."""
    env = dict(ENV)
    if address is not None:
        env["DURABLE_ADDRESS"] = address
    done = subprocess.run(
        [sys.executable, "-m", "durable.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return Run(done.returncode, done.stdout, done.stderr)


class DevServerProcess:
    """``durable dev --port <free> [options]`` as a subprocess."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "durable.cli", "dev", "--port", str(self.port), *options],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.banner: list[str] = []
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"the dev server exited: {''.join(self.banner)}")
            self.banner.append(line)
            if "Ctrl-C" in line:
                return
        raise AssertionError("the dev server did not start")

    def get(self, path: str) -> tuple[int, str, bytes]:
        with urllib.request.urlopen(f"{self.address}{path}", timeout=10) as r:
            return r.status, r.headers["Content-Type"], r.read()

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(sig)
        out, _ = self.proc.communicate(timeout=30)
        return self.proc.returncode, out


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerProcess]:
    server = DevServerProcess()
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


@pytest.fixture(scope="module")
def test_dev() -> Iterator[DevServerProcess]:
    """A dev server with the workflows of tests/cli/registry.py, on the test backend
    (in memory; moto with DURABLE_TEST_BACKEND=moto)."""
    backend = "moto" if os.environ.get("DURABLE_TEST_BACKEND") == "moto" else "memory"
    server = DevServerProcess("--registry", "tests.cli.registry", "--backend", backend)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()
