"""The checked-in OpenAPI document is the one the sandbox serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ksctl.contract import codes
from ksctl.sandbox.openapi import DEFAULT_PATH, document, render, write_openapi
from tests.sandbox.driver import Api

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_document_is_up_to_date() -> None:
    assert DEFAULT_PATH == ROOT / "schemas" / "platform.openapi.json"
    stale = "stale: run `python -m ksctl.sandbox.openapi` (or `ksctl schema`) and commit"
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render(), stale


def test_write_openapi(tmp_path: Path) -> None:
    path = write_openapi(tmp_path / "out" / "platform.openapi.json")
    assert json.loads(path.read_text(encoding="utf-8")) == document()


def test_the_code_table_is_in_the_description() -> None:
    description = document()["info"]["description"]
    assert codes.markdown_table() in description
    for code in codes.CODES:
        assert f"| {code} |" in description


def test_every_documented_operation_is_served() -> None:
    text = (ROOT / "docs" / "platform-api.md").read_text(encoding="utf-8")
    documented = {m.split("?")[0] for m in re.findall(r"\| `(/[^`]+)`", text)}
    assert len(documented) >= 20
    served = set(document()["paths"])
    for path in documented:
        path = path.replace("{id}", "{account_id}")
        assert path in served, path
        if path.endswith("{feature}/enable"):
            assert path.replace("/enable", "/disable") in served
    assert "/oauth2/access_token" in served


def test_writes_require_an_idempotency_key_and_auth() -> None:
    doc = document()
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            if path in ("/oauth2/access_token", "/oauth2/refresh_token"):
                assert operation["security"] == []
                continue
            assert operation["security"] == [{"AppId": [], "AccessToken": []}]
            headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
            if method == "post":
                assert headers["Idempotency-Key"]["required"] is True
                assert "If-Match" in headers


def test_the_app_serves_the_same_document(api: Api) -> None:
    assert api.request("GET", "/openapi.json").json() == document()
