"""Both cores: worker processes read the files, one writer stores them in file order.

The graph a parallel ingest builds must be exactly the one a single-process ingest builds (same nodes, edges,
properties, outcomes, learned Look-ups); results keep the input order; a worker that dies costs only its file,
which is reported with the reason while the batch carries on.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import shared_path
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.workbooks import generate_program
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.graph.ingest import ingest_paths
from minetrace.graph.resolving import default_resolver
from minetrace.ingest.parallel import Crashed, Failed, map_in_order


def test_results_keep_input_order_and_a_crashed_worker_costs_only_its_item() -> None:
    from parallel_support import crash_on_boom

    items = ["a", "b", "boom", "c", "raise", "d", "e", "f", "boom", "g"]
    got = list(map_in_order(crash_on_boom, iter(items), jobs=2, window=3))
    assert [g for g in got if isinstance(g, str)] == ["A", "B", "C", "D", "E", "F", "G"]
    assert isinstance(got[2], Crashed) and isinstance(got[8], Crashed) and "SIGABRT" in got[2].reason
    assert isinstance(got[4], Failed) and "ValueError: a task defect" in got[4].error
    assert [i for i, g in enumerate(got) if not isinstance(g, str)] == [2, 4, 8]


@pytest.mark.parametrize("jobs", [1, 2])
def test_items_are_drawn_only_as_they_are_needed(jobs: int) -> None:
    """A batch of archive members is read member by member: at the first result, at most the look-ahead window
    (4 × jobs, plus the item in hand) has been drawn — never the whole batch (a 120 MB nested archive once was)."""
    drawn: list[int] = []

    def items():
        for i in range(200):
            drawn.append(i)
            yield i

    results = map_in_order(abs, items(), jobs=jobs)
    assert next(results) == 0
    assert len(drawn) <= 4 * jobs + 1
    assert list(results) == list(range(1, 200)) and len(drawn) == 200


def test_one_process_gives_the_same_results() -> None:
    from parallel_support import crash_on_boom

    assert list(map_in_order(crash_on_boom, ["x", "y", "z"], jobs=1)) == ["X", "Y", "Z"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated program (valid and invalid forms, several template versions) plus what a batch also holds:
    the same file twice, a zip of some forms, an unreadable file and a hidden one."""
    root_dir = tmp_path_factory.mktemp("parallel")
    generate_program(root_dir / "program", 14, seed=7, master_list=True, invalid_share=0.2)
    files = sorted((root_dir / "program" / "cmrt").glob("*.xlsx"))
    shutil.copy(files[0], root_dir / "program" / "cmrt" / "resent_copy.xlsx")
    with zipfile.ZipFile(root_dir / "program" / "cmrt" / "batch.zip", "w") as zf:
        for f in files[:3]:
            zf.write(f, f"inner/{f.name}")
    (root_dir / "program" / "cmrt" / "notes.xlsx").write_bytes(b"not a workbook at all")
    (root_dir / "program" / "cmrt" / ".~lock.x.xlsx#").write_bytes(b"lock")
    return root_dir / "program" / "cmrt", root_dir / "program" / "suppliers.csv"


def _ingest(folder: Path, master: Path, store_dir: Path, jobs: int) -> tuple[dict, list[str]]:
    store = EmbeddedStore(store_dir)
    try:
        resolver, _ = default_resolver(str(store_dir))
        report = ingest_paths([folder], store, resolver=resolver, supplier_map=master, year=2025, jobs=jobs)
        doc = report.to_json()
        dump = list(canonical_dump(store))
    finally:
        store.close()
    for item in doc["learning"]["learned"]:
        item.pop("seconds")
    for key in ("check_seconds", "import_seconds"):
        doc["learning"].pop(key)
    return doc, dump


def test_parallel_ingest_builds_exactly_the_single_process_graph(batch: tuple[Path, Path], tmp_path: Path) -> None:
    folder, master = batch
    one, dump_one = _ingest(folder, master, tmp_path / "one", jobs=1)
    two, dump_two = _ingest(folder, master, tmp_path / "two", jobs=2)
    assert dump_two == dump_one
    assert two == one  # every outcome, message, supplier link, learned Look-up
    outcomes = {f["outcome"] for f in one["files"]}
    assert {"new", "duplicate", "unreadable", "skipped"} <= outcomes
    assert one["learning"]["learned"], "the batch teaches its template releases in both modes"
    # the retained originals are the same files
    kept = sorted(p.name for p in (tmp_path / "one" / "files").rglob("*") if p.is_file())
    assert kept == sorted(p.name for p in (tmp_path / "two" / "files").rglob("*") if p.is_file())


def test_validate_with_workers_prints_what_one_process_prints(batch: tuple[Path, Path]) -> None:
    folder, _ = batch
    runs = [CliRunner().invoke(root, ["validate", str(folder), "--json", "--jobs", str(j)]) for j in (1, 2)]
    assert runs[0].exit_code == runs[1].exit_code == 2  # the unreadable file
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)
    assert runs[0].stderr == runs[1].stderr


def test_parallel_ingest_on_the_real_files(tmp_path: Path) -> None:
    filled = shared_path("cmrt", "filled")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in sorted(filled.glob("*")):
        shutil.copy(f, inbox / f.name)
    res = [CliRunner().invoke(root, ["ingest", str(inbox), "--json", "--jobs", str(j), "--store",
                                     str(tmp_path / f"store{j}")]) for j in (1, 2)]
    assert res[0].exit_code == res[1].exit_code
    docs = [json.loads(r.stdout) for r in res]
    assert len(docs[0]["files"]) == len(list(filled.glob("*")))
    assert [f["outcome"] for f in docs[0]["files"]] == [f["outcome"] for f in docs[1]["files"]]
    assert {f["outcome"] for f in docs[0]["files"]} <= {"new", "invalid_stored"}
    stores = [EmbeddedStore(tmp_path / f"store{j}") for j in (1, 2)]
    try:
        assert list(canonical_dump(stores[0])) == list(canonical_dump(stores[1]))
    finally:
        for s in stores:
            s.close()


def test_a_worker_crash_is_reported_against_its_file_and_the_batch_carries_on(
        batch: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from parallel_support import read_crashing_on_boom

    import minetrace.graph.ingest as graph_ingest

    folder, master = batch
    files = sorted(folder.glob("*.xlsx"))[:5]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, f in enumerate(files):
        shutil.copy(f, inbox / (f"{i}_boom.xlsx" if i == 2 else f"{i}_{f.name}"))
    monkeypatch.setattr(graph_ingest, "parse_for_ingest", read_crashing_on_boom)
    doc, _ = _ingest(inbox, master, tmp_path / "store", jobs=2)
    by_name = {Path(f["name"]).name: f for f in doc["files"]}
    crashed = by_name["2_boom.xlsx"]
    assert crashed["outcome"] == "unreadable"
    assert "killed by SIGABRT while reading this file" in crashed["message"]
    others = [f for name, f in by_name.items() if name != "2_boom.xlsx"]
    assert len(others) == 4 and all(f["outcome"] in ("new", "invalid_stored") for f in others)
