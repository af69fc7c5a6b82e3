"""`minetrace app` and `minetrace demo`: the launcher's command line and the demo build."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.cli_app import EXPLORER_SCRIPT, explorer_env, streamlit_command

runner = CliRunner()


def test_commands_are_registered() -> None:
    result = runner.invoke(root, ["--help"])
    assert result.exit_code == 0
    assert " app " in result.output and " demo " in result.output
    assert "demo-explorer" not in result.output  # the former name still works, hidden


def test_streamlit_command_is_headless_local_and_limited() -> None:
    cmd = streamlit_command("/data/store", 8765, password_env="MY_PW")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(EXPLORER_SCRIPT)
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=False))
    assert pairs["--server.port"] == "8765"
    assert pairs["--server.address"] == "127.0.0.1"
    assert pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert int(pairs["--server.maxUploadSize"]) > 0
    assert cmd[cmd.index("--") + 1:] == ["--store", "/data/store", "--password-env", "MY_PW"]
    env = explorer_env("/data/store", "MY_PW")
    assert env["MINETRACE_STORE"] == "/data/store" and env["MINETRACE_PASSWORD_ENV"] == "MY_PW"
    assert env["MINETRACE_EXPLORER_STORE"] == "/data/store"
    assert "MINETRACE_PASSWORD_ENV" not in explorer_env("/data/store", None)


def test_a_neo4j_store_leaves_the_local_folder_setting_alone(monkeypatch) -> None:
    from minetrace.app.explorer.settings import load_settings

    monkeypatch.setenv("MINETRACE_STORE", "/var/lib/minetrace")
    env = explorer_env("neo4j://neo4j:7687")
    assert env["MINETRACE_EXPLORER_STORE"] == "neo4j://neo4j:7687"
    assert env["MINETRACE_STORE"] == "/var/lib/minetrace"  # the reference DB and retained files stay there
    monkeypatch.setenv("MINETRACE_EXPLORER_STORE", "neo4j://neo4j:7687")
    assert load_settings([]).store == "neo4j://neo4j:7687"


def test_password_env_must_be_set(monkeypatch) -> None:
    monkeypatch.delenv("MINETRACE_TEST_NO_SUCH_PASSWORD", raising=False)
    result = runner.invoke(root, ["app", "--store", "x", "--password-env", "MINETRACE_TEST_NO_SUCH_PASSWORD"])
    assert result.exit_code == 2
    assert "MINETRACE_TEST_NO_SUCH_PASSWORD" in result.output


def test_settings_read_script_arguments_before_the_environment(monkeypatch) -> None:
    from minetrace.app.explorer.settings import load_settings

    monkeypatch.setenv("MINETRACE_STORE", "/from/env")
    monkeypatch.setenv("PW_FOR_TEST", "pw")
    assert load_settings([]).store == "/from/env"
    s = load_settings(["--store", "/from/args", "--password-env", "PW_FOR_TEST"])
    assert s.store == "/from/args" and s.password == "pw"
    assert load_settings([]).password is None


def test_demo_explorer_builds_an_ingested_store(tmp_path: Path) -> None:
    """The former command name still builds the demo store (now the 2016 program)."""
    from minetrace.graph.open import open_store

    result = runner.invoke(root, ["demo-explorer", "--dir", str(tmp_path / "demo"), "--suppliers", "6",
                                  "--no-serve", "--no-summary", "--port", "8777"])
    assert result.exit_code == 0, result.output
    assert "trace one: http://localhost:8777/trace?cid=CID" in result.output
    store = open_store(str(tmp_path / "demo" / "store"))
    try:
        decls = store.declarations(current_only=False)
        assert len(decls) >= 4
        assert {d.reporting_year for d in decls} == {2016}
        assert store.reports(smelter_keys=["CID002587"])  # the showcase watchlisted refiner is reported
    finally:
        store.close()
