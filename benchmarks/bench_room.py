"""What the trainer's view costs (issue 18): the room's JSON for 30 and 100 learners, a kernel's
report, the kernel's hook after each cell, and what the room adds to an API request.

    .venv/bin/python benchmarks/bench_room.py            # 30 and 100 learners
    .venv/bin/python benchmarks/bench_room.py --learners 30

The sandbox's app runs in this process (one TestClient, as the tests drive it), a classroom on a
fresh SQLite file. Each learner has made a price, a customer, a failed call, six cells' reports
(one of them failed), a reported pass; every fifth one a sticky note. Figures are medians of
repeated runs on this machine; the machine is shared, so they move between runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers import room as kernel_room  # noqa: E402
from helpers.sandbox.resources import test_clocks  # noqa: E402
from helpers.sandbox.server import create_app  # noqa: E402
from helpers.sandbox.shared.contract import TRAINER_HEADER  # noqa: E402
from helpers.sandbox.shared.ids import random_token  # noqa: E402
from helpers.sandbox.state.database import Database  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

TOKEN = "bench-" + random_token(12)


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def a_room(client: TestClient, learners: int) -> list[dict]:
    headers = []
    for number in range(learners):
        key = {"Authorization": f"Bearer sk_test_{random_token(32)}"}
        client.post("/_sandbox/account", data={"display_name": f"Learner {number}"}, headers=key)
        product = client.post("/v1/products", data={"name": "Stock photos"}, headers=key).json()["id"]
        client.post("/v1/prices", data={"product": product, "unit_amount": "1500", "currency": "usd",
                                        "recurring[interval]": "month"}, headers=key)
        client.post("/v1/customers", data={"email": f"l{number}@example.com"}, headers=key)
        client.get("/v1/customers/cus_typo", headers=key)
        events = [{"kind": "cell", "ok": True, "age": 60 - i, "cell": i + 2, "section": "Create the SetupIntent"}
                  for i in range(5)]
        events.append({"kind": "cell", "ok": number % 3 != 0, "age": 1, "cell": 22, "exercise": "03-no-return-url",
                       "error": {"class": "InvalidRequestError", "line": "A return_url must be specified"}})
        client.post("/_sandbox/room", json={"kernel": f"k{number}", "notebook": "03_setup_intent.ipynb",
                                            "events": events}, headers=key)
        client.post("/_sandbox/exercises", data={"passed": ["01-yearly-price"], "total": "17"}, headers=key)
        if number % 5 == 0:
            client.post("/_sandbox/note", data={"kind": "stuck"}, headers=key)
        headers.append(key)
    return headers


def measure(learners: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-room-") as state:
        app = create_app(Database(Path(state) / "room.sqlite3"), classroom=True, trainer_token=TOKEN,
                         new_accounts_per_minute=10_000)
        with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
            keys = a_room(client, learners)
            app.state.learners.flush()
            trainer = {TRAINER_HEADER: TOKEN}
            view = median_ms(lambda: client.get("/trainer/progress", headers=trainer), 30)
            size = len(client.get("/trainer/progress", headers=trainer).content)
            export = median_ms(lambda: client.get("/trainer/export.csv", headers=trainer), 10)
            beat = {"kernel": "k0", "notebook": "03_setup_intent.ipynb",
                    "events": [{"kind": "cell", "ok": True, "age": 0, "cell": 5}]}
            report = median_ms(lambda: client.post("/_sandbox/room", json=beat, headers=keys[0]), 100)
            customer = client.post("/v1/customers", headers=keys[1]).json()["id"]
            with_room = median_ms(lambda: client.get(f"/v1/customers/{customer}", headers=keys[1]), 300)
            listeners = app.state.sandbox.activity._listeners
            saved, listeners[:] = list(listeners), []
            without_room = median_ms(lambda: client.get(f"/v1/customers/{customer}", headers=keys[1]), 300)
            listeners[:] = saved
    return {"learners": learners, "view_ms": view, "view_kb": size / 1000, "export_ms": export,
            "report_ms": report, "retrieve_with_room_ms": with_room, "retrieve_without_room_ms": without_room}


def hook_us() -> float:
    """The kernel's side: the post_run_cell hook's work for one cell (place it in the saved
    notebook, build the event, queue it), in microseconds."""
    notebook = kernel_room.Notebook(str(ROOT / "notebooks" / "03_setup_intent.ipynb"))
    cell_id = next(c["id"] for c in notebook._cells() if "check.predict(" in "".join(c.get("source", "")))
    reporter = kernel_room.Reporter("http://127.0.0.1:9", notebook)  # never started: nothing is sent
    result = SimpleNamespace(info=SimpleNamespace(silent=False, store_history=True, cell_id=cell_id),
                             result=None, error_in_exec=KeyError("x"), error_before_exec=None)

    def one() -> None:
        reporter.add(kernel_room.outcome(result, notebook))

    return median_ms(one, 2000) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, action="append", help="room size (repeatable; default 30 and 100)")
    args = parser.parse_args(argv)
    test_clocks.start = lambda store, version: None  # no clock thread: nothing advances here
    print(f"kernel hook per cell: {hook_us():.0f} µs (place the cell, build the event, queue it)")
    print(f"\n  {'learners':>8} {'view ms':>8} {'view kB':>8} {'CSV ms':>7} {'report ms':>9} "
          f"{'GET with room':>13} {'GET without':>11}")
    for learners in args.learners or [30, 100]:
        row = measure(learners)
        print(f"  {row['learners']:>8} {row['view_ms']:>8.1f} {row['view_kb']:>8.1f} {row['export_ms']:>7.1f} "
              f"{row['report_ms']:>9.2f} {row['retrieve_with_room_ms']:>10.2f} ms {row['retrieve_without_room_ms']:>8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
