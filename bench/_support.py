"""What the benchmarks share: loopback ports and servers run as background processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


class SetupError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """A server process in its own process group, ready once `health_url`
    answers 200; stop() always ends it (and only it)."""

    def __init__(self, name: str, log_path: Path):
        self.name, self.log_path = name, log_path
        self.proc: subprocess.Popen | None = None

    def launch(self, cmd: list[str], env: dict, health_url: str, timeout: float = 30,
               stop: threading.Event | None = None) -> None:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            if self.proc.poll() is not None:
                raise SetupError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SetupError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """CPU (user + system) used so far by every live process of the server's
        session (a gunicorn master and its workers), from /proc; 0 elsewhere."""
        if self.proc is None:
            return 0.0
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[3]) == self.proc.pid:  # field 6 (session id), counted after "(comm)"
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # a gunicorn master stops its own workers
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group we created for it
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
