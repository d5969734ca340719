"""Error messages and request ids come from the platform: an error is still one line of
plain text, whatever they hold (a newline forging a second line, terminal escapes)."""

from __future__ import annotations

import httpx
import pytest
from click.testing import CliRunner

from ksctl.cli import cli
from ksctl.platform.errors import NotFound
from tests.platform.fakes import FakePlatform, make_client, run

EVIL = "no such job\nksctl: ok: everything converged\x1b[2J\x1b]0;title\x07"


def test_a_platform_message_and_request_id_stay_one_line() -> None:
    p = FakePlatform()
    p.script(
        "GET",
        "/openapi/jobs/j1",
        httpx.Response(
            404,
            json={"result": 410001, "error_msg": EVIL, "request_id": "req-1\r\nforged: yes"},
        ),
    )

    async def go() -> None:
        async with make_client(p) as c:
            await c.get_job("j1")

    with pytest.raises(NotFound) as caught:
        run(go())
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\x07" not in text
    assert "no such job\\nksctl: ok" in text and "req-1\\r\\nforged" in text


def test_the_cli_prints_an_internal_error_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import ksctl.app.plan as planning

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bad\nsecond line\x1b[31m")

    monkeypatch.setattr(planning, "make_plan", boom)
    monkeypatch.delenv("KSCTL_DEBUG", raising=False)
    got = CliRunner().invoke(cli, ["plan"])
    [line] = got.stderr.splitlines()
    assert "\x1b" not in line and line.startswith("ksctl: internal error: RuntimeError: bad\\n")
