"""One workspace: every surface reads `--store` / $MINETRACE_STORE / ./.minetrace by the same rule (graph.workspace).

The CLI families, the query contexts, the campaign's outbox, the consolidated CMRT's company block and the
explorer's settings all ask the workspace; a folder is the whole workspace (decisions.yaml beside the reference
DB, as before), a Neo4j URI keeps local only what is this analyst's (originals, outbox, company block).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minetrace.graph.workspace import Workspace


@pytest.mark.parametrize("given,env,target,folder", [
    (None, None, ".minetrace", ".minetrace"),
    ("st", None, "st", "st"),
    (None, "envdir", "envdir", "envdir"),
    ("st", "envdir", "st", "st"),
    ("bolt://db:7687", None, "bolt://db:7687", ".minetrace"),
    ("neo4j+s://db:7687", "envdir", "neo4j+s://db:7687", "envdir"),
    (None, "neo4j://db:7687", "neo4j://db:7687", ".minetrace"),
])
def test_one_rule_for_target_and_local_folder(monkeypatch, given, env, target, folder) -> None:
    if env is None:
        monkeypatch.delenv("MINETRACE_STORE", raising=False)
    else:
        monkeypatch.setenv("MINETRACE_STORE", env)
    ws = Workspace.open(given)
    assert (ws.target, ws.folder) == (target, Path(folder))
    assert ws.shared == target.startswith(("bolt", "neo4j"))
    assert (ws.files_dir, ws.outbox_dir, ws.company_file) == (
        Path(folder) / "files", Path(folder) / "outbox", Path(folder) / "company.yaml")
    assert ws.decisions_file == (None if ws.shared else Path(folder) / "decisions.yaml")


def test_every_surface_asks_the_workspace(monkeypatch, tmp_path) -> None:
    from minetrace.app.explorer.settings import load_settings
    from minetrace.queries.campaign.run import default_outbox

    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "team"))
    monkeypatch.delenv("MINETRACE_EXPLORER_STORE", raising=False)
    assert load_settings([]).store == Workspace.open().target == str(tmp_path / "team")
    assert default_outbox(None) == (tmp_path / "team" / "outbox").resolve()
    monkeypatch.setenv("MINETRACE_STORE", "bolt://db:7687")
    assert load_settings([]).store == "bolt://db:7687"
    monkeypatch.chdir(tmp_path)
    assert default_outbox(None) == (tmp_path / ".minetrace" / "outbox").resolve()


def test_a_folder_keeps_decisions_in_its_file(tmp_path) -> None:
    ws = Workspace.open(tmp_path / "st")
    ref = ws.open_reference()
    try:
        ref.decisions().record("Tin", "Alpha Tin", "ID", accept="CID000001")
    finally:
        ref.close()
    assert ws.decisions_file is not None and "Alpha Tin" in ws.decisions_file.read_text(encoding="utf-8")
    ref = ws.open_reference()
    try:
        assert ref.decisions().find("Tin", "alpha tin", "ID").accept == "CID000001"
    finally:
        ref.close()
