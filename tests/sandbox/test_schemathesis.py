"""An independent client generated from the OpenAPI document: no server error, no answer
that breaks the schema (schemathesis' standard checks), faults off.

A refusal is HTTP 200 with the code in the body, as on the real platform, so whether a
request was accepted goes by `result`: schemathesis' acceptance checks (invalid data and a
missing header rejected, valid data accepted) judge each answer by the HTTP status its code
stands for (`modelled_status` of the code table); every other check judges the answer as
sent, and `auth_is_enforced` stands in for the one that probes without credentials."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
)

from ksctl.contract import codes
from ksctl.sandbox.app import create_app
from ksctl.sandbox.store import Store
from ksctl.sandbox.world import World

TOKEN = "/oauth2/access_token"
REFRESH = "/oauth2/refresh_token"
# Schema-valid requests the platform refuses because of the world, not the request: an opaque
# cursor it never issued (400), interaction data gone (410), a stale If-Match (412), a Range
# past the end (416), by the status their code stands for.
ACCEPTANCE = [negative_data_rejection, positive_data_acceptance, missing_required_header]
STATE_REFUSALS = ["400", "410", "412", "416"]
ACCOUNTS = ["main1", "sub1", "inst1", "inst2", "solo1", "contract1", "banned1", "closed1"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # It probes without credentials and judges the status: `auth_is_enforced` below
            # does the same by `result`.
            "ignored_auth": {"enabled": False},
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "429", *STATE_REFUSALS]
            },
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
    response = case.call()
    case.validate_response(response, excluded_checks=ACCEPTANCE)
    case.validate_response(by_result(response), checks=ACCEPTANCE)
    auth_is_enforced(case, response)


def auth_is_enforced(case: Any, response: Response) -> None:
    """An answer that went through is refused without the token, and with a forged one."""
    if case.path in (TOKEN, REFRESH) or by_result(response).status_code >= 300:
        return
    sent = case.query
    bare = {k: v for k, v in (sent or {}).items() if k != "access_token"}
    try:
        for token in ({}, {"access_token": "forged"}):
            case.query = {**bare, **token}
            answer = json.loads(case.call().content)
            assert answer["result"] == codes.INVALID_TOKEN, (case.path, token, answer)
    finally:
        case.query = sent


def by_result(response: Response) -> Response:
    """The answer with the HTTP status its `result` stands for (a success keeps its own)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return response  # a file's bytes
    code = body.get("result") if isinstance(body, dict) else None
    if not isinstance(code, int) or code == codes.OK or response.status_code != 200:
        return response
    judged = copy.copy(response)
    judged.status_code = codes.describe(code).modelled_status
    return judged
