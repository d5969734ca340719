"""An independent client generated from the OpenAPI document: no server error, no answer
that breaks the schema (schemathesis' standard checks), faults off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from ksctl.sandbox.app import create_app
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World

TOKEN = "/oauth2/access_token"
# Schema-valid requests the platform refuses because of the world, not the request: an opaque
# cursor it never issued (400), interaction data gone (410), a stale If-Match (412), a Range
# past the end (416). They are answers of the contract, each documented for its operation.
STATE_REFUSALS = ["400", "410", "412", "416"]
ACCOUNTS = ["main1", "sub1", "inst1", "inst2", "solo1", "contract1", "banned1", "closed1"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "429", *STATE_REFUSALS]
            }
        },
        # Mostly ids of the world, so that generated calls reach the rules, not just a 404.
        "dictionaries": {
            "accounts": {"values": ACCOUNTS},
            "items": {"values": ["s1", "s2", "s3", "r1", "r2", "job-000001", "tkt-000001"]},
        },
        "parameters": {
            "path.account_id": {"dictionary": "accounts", "probability": 0.8},
            "path.schedule_id": {"dictionary": "items", "probability": 0.8},
            "path.replay_id": {"dictionary": "items", "probability": 0.8},
        },
    }
)


@pytest.fixture
def platform_schema(tmp_path: Path, world: World) -> Any:
    store = Store(tmp_path / "schemathesis.db")
    store.seed(world)
    store.configure(read_rate_per_second=100_000, write_quota_per_day=100_000)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", create_app(store), config=CONFIG)
    answer = loaded.app and _token(loaded)
    loaded.auth_query = {"app_id": "agency_app", "access_token": answer}
    return loaded


def _token(loaded: Any) -> str:
    from schemathesis.python import asgi

    with asgi.get_client(loaded.app) as client:
        params = {"app_id": "agency_app", "app_secret": "agency_secret"}
        return json.loads(client.post(TOKEN, params=params).content)["access_token"]


schema = schemathesis.pytest.from_fixture("platform_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_sandbox_keeps_its_contract(case: Any, platform_schema: Any) -> None:
    if case.path != TOKEN:
        # A valid token, so that the cases reach the handlers, not just the token check.
        case.query = {**(case.query or {}), **platform_schema.auth_query}
    case.call_and_validate()
