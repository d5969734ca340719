"""The OpenAPI document of the platform API, as served by the sandbox and checked in under
`schemas/platform.openapi.json` (a test fails when the checked-in copy is stale).

Regenerate with `python -m ksctl.sandbox.openapi` or `write_openapi(path)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ksctl.contract import codes
from ksctl.contract.wire import ErrorAnswer

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "platform.openapi.json"

DESCRIPTION = f"""\
The account-management API that ksctl speaks, modelled on the Kuaishou open platform's
conventions (no public API performs these operations). Served by the ksctl sandbox.

- **Token**: `POST /oauth2/access_token` (client credentials) gives a token that expires
  on the platform clock. Every other call carries `app_id` and `access_token` in the query.
- **Envelope**: `{{"result": 1, ...}}` on success; any other `result` is an error code
  (table below) with `error_msg` and `request_id`. A refusal is **HTTP 200** like a
  success, as on the real open platform: go by `result`, never by the status. Only what
  no API answered has another status: an unknown path (404), a method the path lacks (405,
  `Allow`), a crash (500). A refused download is the JSON envelope too. (A world with
  `platform.refusal_status: modelled` sends the last column's status with each code
  instead.) Every answer has `X-Request-Id`.
- **Writes** are POSTs with an `Idempotency-Key`: a repeated key returns the first answer
  (`Idempotent-Replayed: true`) and changes nothing; reused for another request it answers
  410009. `If-Match: <version>` makes a write fail with 410008 when the account
  changed. A write whose effect already holds answers `changed: false` and costs nothing.
- **Quota**: write calls per app per day, reset at 00:00 Asia/Shanghai (`X-Quota-Remaining`,
  `X-Quota-Reset` on writes; `GET /openapi/quota`); reads per second. Over either: 400002
  with `Retry-After`.
- **Downloads** honour `Range` (206) and give `X-Content-SHA256` of the whole file; a
  `Range` past the end is refused with 410012 and `Content-Range: bytes */SIZE`.

## Result codes

{codes.markdown_table()}
"""

ERROR_REF = {"$ref": "#/components/schemas/ErrorAnswer"}
SECURITY_SCHEMES = {
    "AppId": {"type": "apiKey", "in": "query", "name": "app_id"},
    "AccessToken": {"type": "apiKey", "in": "query", "name": "access_token"},
}


def build(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=[
            {"name": "token"},
            {"name": "accounts"},
            {"name": "schedules"},
            {"name": "replays"},
            {"name": "backups"},
            {"name": "privacy"},
            {"name": "live"},
            {"name": "monetization"},
            {"name": "quota"},
        ],
    )
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    schemas["ErrorAnswer"] = ErrorAnswer.model_json_schema()
    # FastAPI's 422 is never sent: a malformed request is refused like any other (410000).
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for path, methods in document["paths"].items():
        for operation in methods.values():
            operation["responses"] = _refusals_in_200(operation["responses"])
            # Both query keys together (one requirement object), except to get the token.
            operation["security"] = (
                []
                if path in ("/oauth2/access_token", "/oauth2/refresh_token")
                else [{"AppId": [], "AccessToken": []}]
            )
    return document


def _refusals_in_200(responses: dict[str, Any]) -> dict[str, Any]:
    """Only the 200 (and a download's 206); the 200 holds the answer or a refusal."""
    kept = {k: v for k, v in responses.items() if k in ("200", "206")}
    ok = kept["200"]
    content = ok.setdefault("content", {})
    json_answer = content.get("application/json", {}).get("schema")
    content["application/json"] = {
        "schema": {"anyOf": [json_answer, ERROR_REF]} if json_answer else ERROR_REF
    }
    said = ok.get("description")
    said = "the answer" if said in (None, "", "Successful Response") else said
    ok["description"] = f"{said}, or a refusal: `result` holds the code"
    return kept


def customise(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document() -> dict[str, Any]:
    from ksctl.sandbox.app import bare_app

    return bare_app().openapi()


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_openapi(path: Path = DEFAULT_PATH) -> Path:
    """Write the OpenAPI document to `path` (default: the checked-in copy)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m ksctl.sandbox.openapi [PATH]
    print(write_openapi(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH))
