"""Run an ASGI app with uvicorn in a daemon thread of the current process (e.g. a Jupyter kernel).

``uvicorn.Server.run`` starts its own event loop in that thread, so it never clashes with the
kernel's running loop. uvicorn's log lines go to an in-memory buffer, not to stderr: output of
a background thread would land in whatever notebook cell happens to be running.
"""

from __future__ import annotations

import collections
import logging
import threading
import time

import uvicorn

HOST = "127.0.0.1"
LOG: collections.deque[str] = collections.deque(maxlen=200)


class _Buffer(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        LOG.append(self.format(record))


def _quiet_uvicorn() -> None:
    """Route uvicorn's loggers into ``LOG`` once, and stop them from propagating to stderr."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _Buffer) for h in logger.handlers):
            logger.handlers = [_Buffer()]
        logger.propagate = False
        logger.setLevel(logging.WARNING)


class BackgroundServer:
    """One uvicorn server on 127.0.0.1 in a daemon thread. ``port=0`` picks a free port."""

    def __init__(self, app, port: int = 0) -> None:
        self.app = app
        self.requested_port = port
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("The server is not running: call start() first.")
        return f"http://{HOST}:{self.port}/"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        if self.running:
            return self
        _quiet_uvicorn()
        config = uvicorn.Config(
            self.app, host=HOST, port=self.requested_port, log_level="warning",
            access_log=False, lifespan="off", log_config=None,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn:{self.requested_port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(2)
                detail = LOG[-1] if LOG else "no detail logged"
                raise RuntimeError(
                    f"The local server could not start on {HOST}:{self.requested_port} ({detail}). "
                    "If the port is in use, stop the other server or choose another port."
                )
            time.sleep(0.02)
        self._server, self._thread = server, thread
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None
        self.port = None
