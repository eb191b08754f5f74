"""A webhook endpoint for tests: a local server that records what the sandbox delivers."""

from __future__ import annotations

import http.server
import json
import threading
import time

from helpers.sandbox.client import process
from support.waiting import PATIENCE


class Receiver:
    """A merchant's webhook endpoint on 127.0.0.1: records what arrives, can fail on purpose."""

    def __init__(self, port: int | None = None, failures: int = 0) -> None:
        self.port = port or process.free_port()
        self.failures = failures
        self.received: list[tuple[str, dict[str, str]]] = []
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.received.append((body, dict(self.headers)))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def event_ids(self) -> list[str]:
        return [json.loads(body)["id"] for body, _ in self.received]

    def wait_for(self, ids: set[str], timeout: float = PATIENCE) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ids <= set(self.event_ids()):
                return
            time.sleep(0.05)
        raise AssertionError(f"not delivered: {sorted(ids - set(self.event_ids()))}")
