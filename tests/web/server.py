"""``supforms serve`` started for real, as a subprocess on a free loopback port.

Readiness is observed, never assumed: the server is up once ``/health`` answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

SUPFORMS = Path(sys.executable).with_name("supforms")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(
    store: str, tmp: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """The server on ``store`` until the block ends; its log (stdout and stderr) in ``tmp``."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(SUPFORMS), "serve", "--store", store, "--port", str(port), *args],
            stdout=sink, stderr=subprocess.STDOUT, cwd=tmp, env={**os.environ, **(env or {})},
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server) -> None:
    with httpx.Client(base_url=server.base) as client:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"supforms serve exited:\n{server.log_text()}")
            try:
                if client.get("/health", timeout=30).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            # Not a timing assumption: poll again after the process had a moment to bind.
            with suppress(subprocess.TimeoutExpired):
                server.process.wait(0.1)
