"""Issue 19, item 5: learners sharing one machine. Each learner's ``start`` reports only a
sandbox of their own (a lost port race picks another port), and when a sandbox dies and one
kernel starts it again on another port, the clients of every open kernel follow it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers.sandbox.client import process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def learner(tmp_path, monkeypatch):
    """A learner's kernel in sandbox mode with a state directory of its own, no classroom URL."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "TUTORIAL_SANDBOX_URL", "TUTORIAL_SANDBOX_PORT"):
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(state))
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    yield state
    process.stop_recorded()


def test_a_lost_port_race_starts_the_learners_own_sandbox_elsewhere(learner, tmp_path, monkeypatch):
    """Two `make lab` at once: both saw 12111 free; the one whose sandbox lost the race printed
    the other learner's sandbox as its own, and its kernel later started a third."""
    other = process.start(tmp_path / "other" / "sandbox.sqlite3", log=tmp_path / "other.log")  # the winner
    try:
        monkeypatch.setattr(process, "DEFAULT_PORT", other.port)
        monkeypatch.setattr(process, "port_is_free", lambda port, host=process.HOST: True)  # it looked free
        url = process.ensure_running()
        assert url != other.url
        doc = process.health(url)
        assert doc["instance"] == process.instance_id(process.database())  # this learner's own
        assert process.running_url() == url  # and the kernel finds it again, no third one
        assert process.health(other.url)["instance"] != doc["instance"]
    finally:
        other.stop()


class TakenPort:
    """A dead sandbox's port, taken by another program meanwhile: it listens there (so nobody else
    may bind it, also with SO_REUSEADDR, as ``process.port_is_free`` binds) and closes every
    connection unanswered. A restart cannot go back to it (as house20's restart on the recorded
    port would, were it free)."""

    def __init__(self, port: int) -> None:
        deadline = time.monotonic() + 10
        while True:  # until the killed process has let go of it
            self.socket = socket.socket()
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
            try:
                self.socket.bind((process.HOST, port))
                break
            except OSError:
                self.socket.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.socket.listen()
        self.thread = threading.Thread(target=self._close_each, daemon=True)
        self.thread.start()

    def _close_each(self) -> None:
        with contextlib.suppress(OSError):  # closed: the test is over
            while True:
                self.socket.accept()[0].close()

    def close(self) -> None:
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.thread.join(5)


def test_every_kernels_clients_follow_a_sandbox_started_again_elsewhere(learner, monkeypatch, capsys):
    """A sandbox died; a kernel started it again on another port: that cell said "started it again
    on :58957" and then "The sandbox does not answer", and other kernels' clients stayed on the
    dead port."""
    from helpers import client as client_mod
    from helpers import dashboard

    monkeypatch.setattr(process, "DEFAULT_PORT", process.free_port())
    client_mod._MOVED.clear()
    first = client_mod.get_client()
    customer = first.v1.customers.create(params={"email": "stays@example.com"})
    old = process.running_url()
    old_port = int(old.rsplit(":", 1)[1])
    pid = process.health(old)["pid"]
    os.kill(pid, 9)  # the sandbox dies
    holder = TakenPort(old_port)  # and its port is not free any more
    try:
        # Another kernel (another process) starts it again: on another port.
        other_kernel = subprocess.run(
            [sys.executable, "-c", "from helpers.sandbox.client import process; print(process.ensure_running())"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert other_kernel.returncode == 0, other_kernel.stderr
        new = other_kernel.stdout.strip()
        assert new != old and process.running_url() == new
        # This kernel's client, made for the old port, follows it: the data is kept.
        assert first.v1.customers.retrieve(customer.id).email == "stays@example.com"
        assert client_mod.get_client().v1.customers.retrieve(customer.id).id == customer.id
        assert dashboard.link(customer)._repr_html_().count(new.rsplit(":", 1)[1]) >= 1  # links go there too
        # It dies again, and this kernel starts it itself: the same cell goes on.
        os.kill(process.health(new)["pid"], 9)
        assert first.v1.customers.retrieve(customer.id).id == customer.id
        assert "started it again" in capsys.readouterr().out
    finally:
        holder.close()
        client_mod._MOVED.clear()
