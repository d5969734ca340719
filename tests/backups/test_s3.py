"""Backups in S3, against a real S3 implementation (moto's server) on a loopback port.

A closure converges with every file and its manifest in the bucket; an object changed or
deleted in the bucket is detected by the next refresh and fetched again while the platform
still has it; the credentials never reach any output, journal or plan.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ksctl.cli import cli
from tests.conftest import ROOT

pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

BUCKET = "ksctl-backups"
ACCESS_KEY = "AKIAKSCTLTEST0000042"
SECRET_KEY = "ksctl-test-secret-8c1f0d9e5b7a4e2f"
START_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, up within START_TIMEOUT_S, stopped after."""
    import logging
    import threading

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(START_TIMEOUT_S)
    assert not starter.is_alive(), "moto's server did not start in time"
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh bucket; AWS_* in the environment as a CI job would set them."""
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET", "CI", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.chdir(tmp_path)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(anon=False, client_kwargs={"endpoint_url": s3_endpoint})
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.mkdir(BUCKET)
    yield fs
    s3fs.S3FileSystem.clear_instance_cache()


class Outputs:
    """Every command's output, kept to check that no credential is in any of it."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def ksctl(self, *args: str) -> Result:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        self.text += [result.stdout, result.stderr]
        return result


def _config(tmp_path: Path) -> str:
    text = (ROOT / "examples" / "accounts.yaml").read_text(encoding="utf-8")
    text = text.replace("destination: .ksctl/backups", f"destination: s3://{BUCKET}/agency")
    assert f"s3://{BUCKET}" in text
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _objects(fs: Any) -> dict[str, bytes]:
    return {p.split("/", 2)[2]: fs.cat_file(p) for p in fs.find(f"{BUCKET}/agency")}


def _converge(run: Outputs, config: str) -> None:
    assert run.ksctl("apply", config, "--auto-approve").exit_code == 3  # the ledger ticket
    run.ksctl("sandbox", "clock", "--advance", "49h")
    assert run.ksctl("apply", config, "--auto-approve").exit_code == 3  # the takedown review
    run.ksctl("sandbox", "clock", "--advance", "73h")
    assert run.ksctl("plan", config, "--detailed-exitcode").exit_code == 0


def test_a_closure_converges_with_every_backup_and_manifest_in_the_bucket(
    s3: Any, tmp_path: Path
) -> None:
    run, config = Outputs(), _config(tmp_path)
    _converge(run, config)
    objects = _objects(s3)
    manifests = {k: json.loads(v) for k, v in objects.items() if k.endswith(".manifest.json")}
    # 6 accounts want interactions, 4 the gift ledger, 5 their replays (3 + 1 + 1 + 2 + 2)
    assert len(manifests) == 6 + 4 + 9
    for key, manifest in manifests.items():
        data = objects[key.rsplit("/", 1)[0] + "/" + manifest["file"]]
        assert len(data) == manifest["size_bytes"]
        assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert not [k for k in objects if k.endswith(".part")]  # no temporary object left
    assert not (tmp_path / ".ksctl" / "backups").exists()  # nothing went to the local folder
    _no_credentials(run, tmp_path)


def test_a_changed_or_deleted_object_is_fetched_again_while_obtainable(
    s3: Any, tmp_path: Path
) -> None:
    run, config = Outputs(), _config(tmp_path)
    _converge(run, config)
    before = _objects(s3)
    # 3xk9d2a2 closed softly: its replays are still online, its interactions exportable
    s3.pipe_file(f"{BUCKET}/agency/3xk9d2a2/replays/r1.mp4", b"tampered")
    s3.rm_file(f"{BUCKET}/agency/3xk9d2a3/interactions.csv")
    planned = run.ksctl("plan", config, "--format", "json")
    actions = {
        a["address"] for acc in json.loads(planned.stdout)["accounts"] for a in acc["actions"]
    }
    assert actions == {"3xk9d2a2/download_replay[r1]", "3xk9d2a3/export_interactions"}
    assert run.ksctl("apply", config, "--auto-approve").exit_code == 0
    assert _objects(s3).keys() == before.keys()
    after = _objects(s3)
    assert after["3xk9d2a2/replays/r1.mp4"] == before["3xk9d2a2/replays/r1.mp4"]
    assert run.ksctl("plan", config, "--detailed-exitcode").exit_code == 0
    _no_credentials(run, tmp_path)


def _no_credentials(run: Outputs, tmp_path: Path) -> None:
    written = [p.read_text(errors="replace") for p in (tmp_path / ".ksctl").rglob("*.jsonl")]
    for text in run.text + written:
        assert ACCESS_KEY not in text and SECRET_KEY not in text


def test_a_missing_protocol_library_is_one_line_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("KSCTL_ENDPOINT", "KSCTL_APP_ID", "KSCTL_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)

    # as if `pip install ksctl` without [s3]: fsspec knows s3://, its driver is not there
    monkeypatch.setitem(sys.modules, "s3fs", None)
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "s3", raising=False)
    config = _config(tmp_path)
    result = CliRunner().invoke(cli, ["plan", config], catch_exceptions=False)
    assert result.exit_code == 1
    (line,) = [
        x for x in result.stderr.splitlines() if x.startswith("ksctl:") and "sandbox" not in x
    ]
    assert line == (
        f"ksctl: error: backup destination s3://{BUCKET}/agency needs s3fs: pip install 'ksctl[s3]'"
    )
