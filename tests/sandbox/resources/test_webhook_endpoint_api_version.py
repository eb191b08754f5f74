"""A webhook endpoint's ``api_version``: every refusal names the parameter."""

from __future__ import annotations

import pytest
import stripe

from helpers.sandbox.api import versions


@pytest.mark.parametrize("api_version", [
    "2025-03-31.basil",  # released, older than the sandbox models
    "2026-07-01.dahlia",  # not a released version
    "2099-01-01.zinnia",  # a later major
    "2026-10-28.preview",  # a public preview
])
def test_a_refused_api_version_names_the_param(client, api_version):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.webhook_endpoints.create(params={
            "url": "http://127.0.0.1:9/hooks", "enabled_events": ["customer.created"], "api_version": api_version,
        })
    assert refused.value.http_status == 400
    assert refused.value.param == "api_version"
    assert refused.value.user_message  # the sandbox's explanation is kept


def test_a_modelled_api_version_is_accepted(client):
    endpoint = client.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/hooks", "enabled_events": ["customer.created"], "api_version": versions.LATEST,
    })
    try:
        assert endpoint.api_version == versions.LATEST
    finally:
        client.v1.webhook_endpoints.delete(endpoint.id)
