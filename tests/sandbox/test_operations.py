"""``GET /_sandbox/operations``: what the sandbox answers, as the tutorial's explorer reads it."""

from __future__ import annotations

import httpx

from helpers.sandbox import resources  # noqa: F401 - registers the routes
from helpers.sandbox.api import versions
from helpers.sandbox.api.router import api
from helpers.sandbox.classroom.operations import BEFORE_THE_CHANGES


def test_it_lists_every_route_with_its_params_class_without_a_key(sandbox):
    answer = httpx.get(f"{sandbox.url}/_sandbox/operations", timeout=10)
    assert answer.status_code == 200
    listed = {(o["method"], o["path"], o["params"]) for o in answer.json()["operations"]}
    assert listed == {(r.method, r.pattern, r.params) for r in api.routes}
    assert ("POST", "/v1/setup_intents", "SetupIntentCreateParams") in listed


def test_it_names_the_versions_it_models_and_each_is_answered(http):
    body = http.get("/_sandbox/operations").json()
    named = [v["version"] for v in body["api_versions"]]
    assert named[0] == versions.LATEST and named[-1] == BEFORE_THE_CHANGES
    assert {c.version for c in versions.changes()} <= set(named)
    assert body["default_api_version"] == versions.LATEST
    for version in named:  # each one a version the sandbox accepts
        answer = http.get("/v1/customers", params={"limit": 1}, headers={"Stripe-Version": version})
        assert answer.status_code == 200 and answer.headers["Stripe-Version"] == version


def test_the_oldest_named_version_is_older_than_every_change():
    assert all(BEFORE_THE_CHANGES < c.version for c in versions.changes())
