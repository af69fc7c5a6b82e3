"""Stores that cannot be written: read commands still work on a read-only store; a write failure (disk full)
stops `ingest` with a message naming the file and leaves both stores as they were before that file.

Real conditions, not mocks: a read-only store is a folder without write permission, read by a process
without CAP_DAC_OVERRIDE (`setpriv`, so that it holds when the suite runs as root); a full disk is the
process's file-size limit (RLIMIT_FSIZE), which makes every write past it fail as a full disk does.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.export import canonical_dump
from minetrace.queries.template_writer import CmrtSpec, Facility, SmelterSpec, complete_spec, write_cmrt

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from app.cli import main; main()"]
KAPPA = Facility("CID940001", "Tin", "Kappa Tin Smelting Works", "BOLIVIA")
LOOKUP = [KAPPA, Facility("CID940002", "Gold", "Mu Gold Refining", "PERU")]


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process (needed for a file-size limit or dropped capabilities)."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, timeout=300, **kw)


def cli(args: list[str]) -> tuple[int, str, str]:
    """The CLI in-process (setup steps)."""
    res = CliRunner().invoke(root, args)
    return res.exit_code, res.stdout, res.stderr


#: runs each command line given as JSON on stdin in one process (CliRunner); prints [exit code, stderr] each
DRIVER = ("import json, sys; from typer.testing import CliRunner; from app.cli import root; "
          "r = CliRunner(); print(json.dumps([(x.exit_code, x.stderr) for x in "
          "(r.invoke(root, a) for a in json.load(sys.stdin))]))")


def cmrt(path: Path, company: str, facilities: list[Facility] | None = None) -> Path:
    spec = complete_spec(company, metals=("Tin",), smelters=[SmelterSpec.listed(KAPPA)],
                         effective_date=date(2025, 3, 1), email_domain=company.split()[0].lower() + ".example")
    return write_cmrt(spec, path, "6.5", facilities=LOOKUP if facilities is None else facilities)


def db_dump(path: Path) -> dict[str, list[tuple]]:
    """Every table of an SQLite file, rows sorted (the store's content, whatever its version counters)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted((tuple(r) for r in db.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}
    finally:
        db.close()


def without_dac() -> list[str]:
    """A prefix that runs a command without the capabilities that let root ignore file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without setpriv (util-linux): cannot make a store read-only for the test")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def make_read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


def test_read_commands_work_on_a_read_only_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert cli(["ingest", str(cmrt(tmp_path / "acme.xlsx", "Acme Ltd")), "--store", str(store)])[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    other = cmrt(tmp_path / "b.xlsx", "Bolt Ltd")
    make_read_only(store)
    try:
        before = db_dump(store / "graph.sqlite")
        reads = [["store", "info"], ["store", "pending"], ["query", "paths"], ["query", "exposure", KAPPA.cid],
                 ["risk", "smelters"], ["risk", "suppliers"], ["survey", "status"], ["reference", "show"],
                 ["reference", "show", KAPPA.cid], ["reference", "review"],
                 ["export", "appendix", "--out", str(out / "appendix.xlsx")]]
        commands = [[*a, "--store", str(store), "--json"] for a in reads] + [["ingest", str(other), "--store",
                                                                               str(store)]]
        res = subprocess.run([*without_dac(), sys.executable, "-c", DRIVER], input=json.dumps(commands),
                             capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        results = json.loads(res.stdout.strip().splitlines()[-1])
        for args, (code, err) in zip(reads, results, strict=False):
            assert code == 0 and "Traceback" not in err, (args, err[-1500:])
        code, err = results[-1]
        assert code == 1 and "read-only" in err and "Traceback" not in err
        assert db_dump(store / "graph.sqlite") == before
    finally:
        make_writable(store)


def full_disk_at(limit: int) -> object:
    """A preexec function: writes past `limit` bytes in any file fail (EFBIG), as on a full disk."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def snapshot(store: Path) -> tuple[dict, dict, list[str]]:
    files = sorted(str(p.relative_to(store)) for p in (store / "files").rglob("*") if p.is_file()) \
        if (store / "files").exists() else []
    return db_dump(store / "graph.sqlite"), db_dump(store / "reference.sqlite"), files


@pytest.mark.parametrize("stage", ["learning", "storing"])
def test_a_full_disk_stops_with_the_file_named_and_the_store_as_before(tmp_path: Path, stage: str) -> None:
    """`learning`: the disk fills while a Look-up is imported; `storing`: while the file itself is stored."""
    store = tmp_path / "store"
    first = cmrt(tmp_path / "a-first.xlsx", "First Ltd")
    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", "6.5", facilities=LOOKUP)
    assert cli(["reference", "import", str(blank), "--store", str(store)])[0] == 0
    assert cli(["ingest", str(first), "--store", str(store)])[0] == 0
    # a second file carrying a large Look-up (3,000 rows) of a release the store trusts (as if RMI had shipped it)
    big = [Facility(f"CID95{i:04d}", "Tin", f"Smelter Number {i} Works", "CHINA") for i in range(3000)]
    second = cmrt(tmp_path / "b-second.xlsx", "Second Ltd", facilities=[*LOOKUP, *big])
    if stage == "storing":  # its release already imported: the only writes are the file itself
        blank2 = write_cmrt(CmrtSpec(), tmp_path / "blank2.xlsx", "6.5", facilities=[*LOOKUP, *big])
        assert cli(["reference", "import", str(blank2), "--store", str(store)])[0] == 0
    else:
        from minetrace.ingest.detect import detect_template
        from minetrace.ingest.reference.releases import lookup_digest
        from minetrace.ingest.reference.store import ReferenceStore
        from minetrace.ingest.workbook import open_workbook

        wb = open_workbook(second)
        t, _ = detect_template(wb)
        digest, importer = lookup_digest(t.kind, t.version, wb)
        with ReferenceStore(store) as ref:
            ref.vouch_release(digest, t.kind, t.version, None, importer, "test")
            ref.db.commit()
    before = snapshot(store)
    # learning: room for the file's copy, not for its Look-up; storing: not for the file's copy
    limit = max(p.stat().st_size for p in store.iterdir() if p.is_file()) + 64 * 1024 if stage == "learning" \
        else 64 * 1024
    assert second.stat().st_size > 96 * 1024
    res = run(["ingest", str(second), "--store", str(store)], preexec_fn=full_disk_at(limit))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "b-second.xlsx" in res.stderr and "Traceback" not in res.stderr
    assert ("Look-up" in res.stderr) == (stage == "learning")
    assert snapshot(store) == before
    # with room again, the same command stores it: nothing was left half done
    code, stdout, _ = cli(["ingest", str(second), "--store", str(store), "--json"])
    assert code == 0 and '"new": 1' in stdout
    st = EmbeddedStore(store)
    try:
        assert len(st.declarations()) == 2 and list(canonical_dump(st))
    finally:
        st.close()
