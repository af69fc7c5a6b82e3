"""The explorer on a network: a non-local bind needs a password (or --insecure, warned), the URL shown is the
real one, password attempts are throttled, Streamlit's telemetry and external look-ups are off, and supplier
text on the pages is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.cli_app import bind_problem, explorer_env, is_local, shown_host, streamlit_command
from minetrace.app.explorer import auth

ROOT = Path(__file__).resolve().parents[1]


def test_only_loopback_is_local() -> None:
    assert all(is_local(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(is_local(h) for h in ("0.0.0.0", "::", "10.0.0.5", "example.org"))
    assert shown_host("127.0.0.1") == "localhost"
    assert shown_host("0.0.0.0") not in ("localhost", "0.0.0.0")  # this machine's name
    assert shown_host("10.0.0.5") == "10.0.0.5"


def test_a_non_local_bind_without_a_password_is_refused() -> None:
    res = CliRunner().invoke(root, ["app", "--store", "x", "--host", "0.0.0.0"])
    assert res.exit_code == 2
    assert "--host 0.0.0.0 makes the explorer reachable from other machines" in res.stderr
    assert "--insecure" in res.stderr
    assert bind_problem("0.0.0.0", "PW_VAR", False) is None
    assert bind_problem("0.0.0.0", None, True) is None
    assert bind_problem("127.0.0.1", None, False) is None
    demo = CliRunner().invoke(root, ["demo", "--dir", "unused", "--host", "0.0.0.0", "--help"])
    assert demo.exit_code == 0 and "--insecure" in demo.stdout


def test_streamlit_runs_without_telemetry_or_external_look_ups() -> None:
    cmd = streamlit_command("/data/store", 8765, host="0.0.0.0")
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=False))
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert pairs["--logger.hideWelcomeMessage"] == "true"  # its "External URL" asks checkip.amazonaws.com
    assert pairs["--server.headless"] == "true" and pairs["--server.enableXsrfProtection"] == "true"
    assert explorer_env("/data/store")["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_throttle_waits_longer_after_each_failure() -> None:
    now = [1000.0]
    t = auth.Throttle(max_failures=3, window=300, first_wait=10, max_wait=60, clock=lambda: now[0])
    for _ in range(3):
        assert t.wait("a") == 0
        t.failed("a")
    assert t.wait("a") == 10 and t.wait("b") == 0  # per client
    t.failed("a")
    assert t.wait("a") == 20
    for _ in range(5):
        t.failed("a")
    assert t.wait("a") == 60  # capped
    now[0] += 301
    assert t.wait("a") == 0  # failures older than the window are forgotten
    t.failed("a")
    t.succeeded("a")
    assert t.wait("a") == 0


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MINETRACE_PASSWORD_ENV", "EXPLORER_TEST_PASSWORD")
    monkeypatch.setenv("EXPLORER_TEST_PASSWORD", "s3cret")
    yield
    auth._PER_CLIENT._failures.clear()
    auth._SERVER._failures.clear()


def test_the_gate_throttles_wrong_passwords(password: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "store"))
    at = AppTest.from_file(str(ROOT / "app" / "explorer" / "main.py"), default_timeout=60).run()
    for _ in range(auth.MAX_FAILURES):
        at.text_input(key="password_input").input("wrong")
        at.button[0].click().run()
        assert any("Wrong password" in e.value for e in at.error)
    at.text_input(key="password_input").input("s3cret")  # even the right one waits now
    at.button[0].click().run()
    assert any("Too many wrong passwords" in e.value for e in at.error)
    assert not any(t.value == "Overview" for t in at.title)
    auth._PER_CLIENT._failures.clear()
    auth._SERVER._failures.clear()
    at.text_input(key="password_input").input("s3cret")
    at.button[0].click().run()
    assert any(t.value == "Overview" for t in at.title)


def test_uploads_get_the_same_archive_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Ingest page's upload path (app.explorer.data.ingest_files) expands archives as the CLI does."""
    import hostile_corpus as hc

    from minetrace.app.explorer import data

    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("MINETRACE_EXPLORER_STORE", str(tmp_path / "store"))
    data._open.clear()
    upload = tmp_path / "upload" / "0000" / "replies.zip"
    deep = hc._build_nested_deep(tmp_path / "deep")
    hc.zip_of(upload, {"ok.xlsx": hc.cmrt_bytes("Upload Ltd."), "deep.zip": deep.read_bytes(),
                       "__MACOSX/._ok.xlsx": b"x"})
    report = data.ingest_files([upload], names={upload: "replies.zip"})
    got = {f.name: (f.outcome, f.message) for f in report.files}
    assert got["replies.zip!ok.xlsx"][0] == "new"
    assert got["replies.zip!deep.zip!l1.zip!l2.zip"] == ("unreadable",
                                                         "archive nested more than 2 levels deep: refused")
    assert got["replies.zip!__MACOSX/._ok.xlsx"][0] == "skipped"
    data._open.clear()
