"""Secrets audit: every command end to end, and nothing secret in what ksctl leaves behind.

Runs every command (help, validate, schema, docs, completion, plan in each format with
--out, show, apply from configuration and from a saved plan, closing live with SMS codes,
import, every sandbox subcommand, and error paths) against the embedded sandbox and against
a served one with its own app secret. Then scans stdout and stderr of every run, and every
file under .ksctl/ except the sandbox's own database and the backed-up data itself (the
journal, saved plans, manifests, schemas and docs written), for: the app secret, every
access token and verification ticket the sandbox issued, every SMS code it sent, every
full phone number of the world and any 11-digit mainland mobile number. Any hit fails.

`ksctl sandbox sms` prints codes by design (the sandbox stands in for the phones): it is
the one exemption, and its phone numbers must still be masked.
The per-account authorization commands (`auth login|status|logout`, `sandbox
consent|revoke`) are audited the same way, with the authorization codes, access and refresh
tokens the flow issued among the needles and the token store (encrypted) among the files.
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from cryptography.fernet import Fernet

from ksctl.sandbox.embedded import demo_world
from ksctl.sandbox.world import World
from tests.apply.conftest import Workspace
from tests.auth.conftest import oauth_world
from tests.auth.login import ThreadLogin
from tests.conftest import ROOT
from tests.platform.sandboxes import served
from tests.stress.support import assert_clean_output, workspace

MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
# App tokens, verification tickets, and the authorization flow's codes, access and refresh
# tokens.
ISSUED = re.compile(r"(?:kst|vt|kac|kat|krt)_[A-Za-z0-9_-]{16,}")
CONFIG = "accounts.yaml"
IDS = ("3xk9d2a1", "3xk9d2a2", "3xk9d2a3", "3xm7c5b0", "8qv2n6e4", "5wl8t3q6")


class Audit:
    """Collects every output and every secret the sandbox handed out."""

    def __init__(self, ws: Workspace, secret: str, world: World) -> None:
        self.ws, self.secret, self.world = ws, secret, world
        self.outputs: list[tuple[str, str]] = []
        self.issued: list[str] = []
        self.codes: set[tuple[str, str]] = set()

    def run(self, *args: str, codes: tuple[int, ...] = (0,), exempt: bool = False) -> Result:
        result = self.ws.ksctl(*args)
        assert_clean_output(result)
        assert result.exit_code in codes, (args, result.exit_code, result.stderr)
        if not exempt:
            self.outputs.append((" ".join(args), result.stdout + result.stderr))
        # Remembered as they come: `sandbox reset` empties the inbox.
        self.codes.update((m["account_id"], m["code"]) for m in self.ws.store.sms_inbox())
        return result

    def needles(self) -> dict[str, str]:
        found = {"app secret": self.secret}
        for value in self.issued:
            found[f"issued {value[:6]}..."] = value
        for account, code in sorted(self.codes):
            found[f"SMS code {code[:2]}.... of {account}"] = code
        for account in self.world.accounts:
            if account.phone:
                found[f"phone of {account.id}"] = account.phone
        return found

    def files(self) -> Iterator[Path]:
        for path in sorted(self.ws.root.rglob("*")):
            relative = path.relative_to(self.ws.root).as_posix()
            if not path.is_file() or relative.startswith(".ksctl/sandbox.db"):
                continue
            backed_up = relative.startswith(".ksctl/backups/") or relative.startswith(
                ".ksctl/staging/"
            )
            if backed_up and not path.name.endswith(".manifest.json"):
                continue  # the viewers' data itself, kept on purpose (mode 0600)
            if path.name in (CONFIG, "world.yaml", "sms_code.py"):
                continue  # what the test itself wrote
            yield path

    def scan(self) -> None:
        needles = self.needles()
        assert len([n for n in needles if n.startswith("SMS code")]) >= 2  # closures happened
        texts = list(self.outputs)
        texts += [
            (str(p.relative_to(self.ws.root)), p.read_text("utf-8", "replace"))
            for p in self.files()
        ]
        names = [name for name, _ in texts]
        assert any(n.startswith(".ksctl/journal/") for n in names)
        assert "plan.json" in names and any(n.endswith(".manifest.json") for n in names)
        assert len(self.issued) >= 2 or self.secret != "demo_secret"
        # The scanner itself is not blind: each kind of needle is found where planted.
        kinds = ("app secret", "issued", "SMS code", "phone")
        for value in [
            next(v for n, v in needles.items() if n.startswith(k))
            for k in kinds
            if any(n.startswith(k) for n in needles)
        ]:
            assert self.hits([("canary", f"x {value}.")], needles), value
        assert self.hits([("canary", "token=kst_AAAAAAAAAAAAAAAAAAAAAAAA")], needles)
        assert self.hits(texts, needles) == []

    def scan_authorization(self) -> None:
        """Like `scan`, for a run of the authorization commands (no closure, no plan file)."""
        needles = {k: v for k, v in self.needles().items() if not k.startswith("SMS")}
        texts = list(self.outputs) + [
            (str(p.relative_to(self.ws.root)), p.read_text("utf-8", "replace"))
            for p in self.files()
        ]
        assert ".ksctl/tokens" in [name for name, _ in texts]
        assert self.hits([("canary", "x kat_AAAAAAAAAAAAAAAAAAAAAAAA.")], needles)
        assert self.hits(texts, needles) == []

    @staticmethod
    def hits(texts: list[tuple[str, str]], needles: dict[str, str]) -> list[tuple[str, str]]:
        hits = []
        for name, text in texts:
            for what, value in needles.items():
                if re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text):
                    hits.append((name, what))
            hits += [(name, f"mobile number {m[:3]}...") for m in MOBILE.findall(text)]
            hits += [(name, f"token {m[:6]}...") for m in ISSUED.findall(text)]
        return hits


@pytest.fixture
def spy_issued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every random token the in-process sandbox hands out (access tokens, tickets)."""
    issued: list[str] = []
    real = secrets.token_urlsafe

    def spy(nbytes: int | None = None) -> str:
        value = real(nbytes)
        issued.append(value)
        return value

    monkeypatch.setattr(secrets, "token_urlsafe", spy)
    return issued


def exercise_plans_and_applies(audit: Audit, advance: Callable[[], object]) -> None:
    run = audit.run
    run("validate", CONFIG)
    run("plan", CONFIG)
    run("plan", CONFIG, "--format", "markdown", "--out", "plan-md.json")
    run("plan", CONFIG, "--format", "json", "--out", "plan.json", "--detailed-exitcode", codes=(2,))
    for fmt in ("text", "markdown", "json"):
        run("show", "plan.json", "--format", fmt)
    run("apply", "plan.json", "--target", "x", codes=(4,))  # refused: a saved plan
    run("apply", "plan.json", codes=(3,))  # ledger tickets and appeals take time
    for _ in range(6):
        result = run("apply", CONFIG, "--auto-approve", codes=(0, 3))
        if result.exit_code == 0:
            break
        advance()
    assert result.exit_code == 0, result.stderr
    run("plan", CONFIG, "--detailed-exitcode")
    run("import", *IDS)
    run("import", "nosuch1", codes=(1,))
    run("apply", "missing.yaml", "--auto-approve", codes=(1,))


def test_embedded_sandbox_every_command_leaks_nothing(spy_issued: list[str]) -> None:
    with workspace() as ws:
        world = demo_world()
        audit = Audit(ws, "demo_secret", world)
        audit.issued = spy_issued
        (ws.root / CONFIG).write_bytes((ROOT / "examples" / "accounts.yaml").read_bytes())
        (ws.root / "world.yaml").write_text(
            yaml.safe_dump(world.model_dump(mode="json"), allow_unicode=True), "utf-8"
        )
        run = audit.run
        run("--help")
        run("--version")
        for command in (
            "validate",
            "schema",
            "plan",
            "show",
            "apply",
            "import",
            "docs",
            "completion",
            "sandbox",
        ):
            run(command, "--help")
        for sub in ("seed", "serve", "reset", "clock", "sms", "writes"):
            run("sandbox", sub, "--help")
        run("schema", "--out", ".ksctl/schemas")
        run("docs")
        run("docs", "--out", ".ksctl/configuration.md")
        for shell in ("bash", "zsh", "fish"):
            run("completion", shell)
        run("sandbox", "seed", "world.yaml")
        run("sandbox", "clock")
        exercise_plans_and_applies(audit, lambda: run("sandbox", "clock", "--advance", "49h"))
        run("sandbox", "writes")
        run("sandbox", "writes", "--format", "json")
        # Exempt: `sandbox sms` is the stand-in for the phones and shows codes by design.
        sms = run("sandbox", "sms", "--limit", "100", exempt=True)
        assert MOBILE.findall(sms.stdout) == []
        assert "138****1201" in sms.stdout
        run("sandbox", "reset")
        audit.scan()


def test_served_sandbox_with_its_own_secret_leaks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "audit-" + secrets.token_hex(12)
    data = demo_world().model_dump(mode="json")
    data["apps"][0]["app_secret"] = secret
    world = World.model_validate(data)
    with workspace() as ws:
        ws.store.seed(world)
        audit = Audit(ws, secret, world)
        (ws.root / CONFIG).write_bytes((ROOT / "examples" / "accounts.yaml").read_bytes())
        script = ws.root / "sms_code.py"
        script.write_text(
            "import os\nfrom ksctl.sandbox.embedded import embedded_store\n"
            f"inbox = embedded_store({str(ws.root)!r}).sms_inbox()\n"
            "codes = [m for m in inbox if m['account_id'] == os.environ['KSCTL_ACCOUNT_ID']]\n"
            "print(codes[-1]['code'])\n",
            encoding="utf-8",
        )
        with served(ws.root) as url:
            monkeypatch.setenv("KSCTL_ENDPOINT", url)
            monkeypatch.setenv("KSCTL_APP_ID", "demo_app")
            monkeypatch.setenv("KSCTL_APP_SECRET", secret + "-wrong")
            audit.run("plan", CONFIG, codes=(1,))  # refused credentials: said, not echoed
            audit.secret = secret  # the wrong one is scanned for below too
            monkeypatch.setenv("KSCTL_APP_SECRET", secret)
            monkeypatch.setenv("KSCTL_SMS_CODE_COMMAND", f"{sys.executable} {script}")
            exercise_plans_and_applies(audit, lambda: ws.store.advance(timedelta(hours=49)))
        monkeypatch.delenv("KSCTL_ENDPOINT")
        audit.run("plan", CONFIG, codes=(1,))  # half-configured: the names, never values
        audit.scan()
        for name, text in audit.outputs:
            assert secret + "-wrong" not in text, name


def test_authorization_commands_leak_nothing(
    spy_issued: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = "3xm7c5b0", "8qv2n6e4"
    key = Fernet.generate_key().decode()
    with workspace() as ws:
        monkeypatch.setenv("KSCTL_TOKEN_KEY", key)
        world_file = oauth_world(ws.root / "world.yaml")
        world = World.model_validate(yaml.safe_load(world_file.read_text("utf-8")))
        audit = Audit(ws, "demo_secret", world)
        (ws.root / CONFIG).write_text(
            f'version: 1\naccounts:\n  - id: "{a}"\n    monetization: '
            f'{{short_video_tipping: enabled}}\n  - id: "{b}"\n',
            "utf-8",
        )
        run = audit.run
        for args in (
            ("auth", "--help"),
            ("auth", "login", "--help"),
            ("auth", "status", "--help"),
            ("auth", "logout", "--help"),
            ("sandbox", "consent", "--help"),
            ("sandbox", "revoke", "--help"),
        ):
            run(*args)
        run("sandbox", "seed", "world.yaml")
        run("plan", CONFIG, codes=(1,))  # nobody authorized yet: errors with the command
        login = ThreadLogin(ws.root, a, b, KSCTL_TOKEN_KEY=key)
        urls = login.urls(2)
        run("sandbox", "consent", urls[a])
        run("sandbox", "consent", urls[a], codes=(1,))  # a replayed state: refused
        run("sandbox", "consent", urls[b], "--deny")
        results = login.wait()
        audit.outputs.append(("auth login", "\n".join(str(r) for r in results)))
        run("auth", "status")
        run("auth", "status", "--format", "json")
        run("plan", CONFIG, codes=(1,))  # b denied
        run("sandbox", "clock", "--advance", "3d")  # a's access token expires: renewed
        run("apply", CONFIG, "--auto-approve", "--target", a)
        run("sandbox", "revoke", a)
        run("plan", CONFIG, codes=(1,))
        run("auth", "status", "--format", "json")
        run("auth", "logout", a, b)
        run("auth", "login", a, "--timeout", "1", codes=(1,))
        run("auth", "login", a, "--listen", "192.0.2.1:80", codes=(1,))
        run("sandbox", "consent", "http://sandbox.ksctl.invalid/oauth2/authorize?x=1", codes=(1,))
        # The states are printed on purpose (they are in the URLs): not needles.
        printed = "\n".join(text for _, text in audit.outputs)
        states = set(re.findall(r"state=[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)", printed))
        audit.issued = [v for v in spy_issued if v not in states]
        assert any(v for v in audit.issued)  # codes and tokens were issued and are looked for
        assert (ws.root / ".ksctl" / "tokens").is_file()
        audit.scan_authorization()
