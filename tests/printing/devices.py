"""A network receipt printer for tests: listens on 127.0.0.1, keeps what it gets."""
from __future__ import annotations

import socket
import threading


class FakePrinter:
    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self) -> bytes:
        """Wait for the job to end; what the printer got."""
        self.thread.join(5)
        self.server.close()
        return self.received


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]
