"""JSON Schemas generated from the models, written under `schemas/`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ksctl.config.model import ConfigFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def accounts_schema() -> dict[str, Any]:
    schema = ConfigFile.model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def dumps(document: dict[str, Any]) -> str:
    """Stable text for a checked-in document: sorted keys, UTF-8, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def generators() -> dict[str, Callable[[], dict[str, Any]]]:
    """File name under schemas/ → function making the document."""
    return {"accounts.schema.json": accounts_schema}


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema and the platform's OpenAPI document; returns the files written."""
    from ksctl.compose import write_openapi  # FastAPI loads only for this command

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in generators().items():
        path = folder / name
        path.write_text(dumps(make()), encoding="utf-8")
        written.append(path)
    written.append(write_openapi(folder / "platform.openapi.json"))
    return written
