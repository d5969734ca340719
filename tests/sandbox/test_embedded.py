"""The embedded sandbox: `.ksctl/sandbox.db`, seeded with the demo world on first use."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx

from ksctl.sandbox.embedded import DEMO_APP_ID, DEMO_APP_SECRET, embedded_store, embedded_transport


async def _demo_read(home: Path) -> dict[str, object]:
    transport = embedded_transport(home)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        answer = await http.post(
            "/oauth2/access_token",
            params={"app_id": DEMO_APP_ID, "app_secret": DEMO_APP_SECRET},
        )
        auth = {"app_id": DEMO_APP_ID, "access_token": answer.json()["access_token"]}
        ids = "3xk9d2a1,3xk9d2a2,3xk9d2a3,3xm7c5b0,5wl8t3q6,8qv2n6e4"
        page = await http.get("/openapi/accounts", params={**auth, "ids": ids})
        return page.json()


def test_first_use_creates_and_seeds_the_demo_world(tmp_path: Path) -> None:
    store = embedded_store(tmp_path)
    assert store.path == tmp_path / ".ksctl" / "sandbox.db" and store.path.exists()
    assert store.now().isoformat() == "2026-11-25T10:00:00+08:00"


def test_the_demo_world_through_the_transport(tmp_path: Path) -> None:
    page = anyio.run(_demo_read, tmp_path)
    accounts = {a["id"]: a for a in page["accounts"]}  # type: ignore[union-attr]
    assert page["missing"] == []
    main = accounts["3xk9d2a1"]
    assert main["kind"] == "enterprise" and main["certification"]["live_certified"] is True
    assert [s["id"] for s in main["schedules"]] == ["s1", "s2"]
    assert all(r["online"] for r in main["replays"])
    assert accounts["3xk9d2a2"]["parent"] == "3xk9d2a1"
    assert accounts["3xm7c5b0"]["contract"]["min_live_hours_per_month"] == 60
    assert accounts["5wl8t3q6"]["kind"] == "institution"
    assert all(a["access"]["write"] for a in accounts.values())
    assert all(a["phone_masked"].startswith("138****12") for a in accounts.values())


def test_an_existing_world_is_kept(tmp_path: Path) -> None:
    store = embedded_store(tmp_path)
    store.patch_account("8qv2n6e4", {"quality_streamer": True})
    assert embedded_store(tmp_path).account("8qv2n6e4").quality_streamer is True
