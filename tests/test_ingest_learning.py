"""Learning each template release's Smelter Look-up from the supplier files, once per release — by trust.

Real CMRT workbooks (openpyxl) with a Look-up of fake CIDs (CID9100xx: the shipped starter set cannot
know them), a real reference DB and embedded graph; and the real filled CMRTs of ../shared.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import shared_path

from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.ingest import ingest_paths
from minetrace.graph.lookup_learning import release_date
from minetrace.ingest.reference import import_file
from minetrace.ingest.reference.store import ReferenceStore
from minetrace.ingest.resolve import Resolver
from minetrace.queries.template_writer import CmrtSpec, Facility, SmelterSpec, complete_spec, write_cmrt

KAPPA = Facility("CID910001", "Tin", "Kappa Tin Smelting Works", "BOLIVIA")
LAMBDA = Facility("CID910002", "Tantalum", "Lambda Tantalum Industries", "BRAZIL")
MU = Facility("CID910003", "Gold", "Mu Gold Refining Company", "PERU")


def cmrt(path: Path, company: str, version: str = "6.5", lookup: list[Facility] | None = None) -> Path:
    rows = [SmelterSpec.listed(KAPPA), SmelterSpec.not_listed("Tantalum", "LAMBDA TANTALUM INDUSTRIES", "BRAZIL")]
    spec = complete_spec(company, metals=("Tantalum", "Tin"), smelters=rows, effective_date=date(2025, 3, 1))
    return write_cmrt(spec, path, version, facilities=lookup or [KAPPA, LAMBDA, MU])


@pytest.fixture
def stores(tmp_path: Path):
    ref = ReferenceStore(tmp_path / "store")
    graph = EmbeddedStore(tmp_path / "store")
    yield ref, graph
    graph.close()
    ref.close()


def learned_imports(ref: ReferenceStore) -> list[dict]:
    return [i for i in ref.imports() if i["importer"] in ("template-lookup", "template-301")]


def test_release_date_from_version_text() -> None:
    assert release_date("Revision 6.4\nApril 26, 2024") == "2024-04-26"
    assert release_date("Revision 2.01 December 21st 2012") == "2012-12-21"
    assert release_date("Revision 2.03a\nJuly 25th, 2013") == "2013-07-25"
    assert release_date("Revision 6.5") is None and release_date(None) is None


def vouch(ref: ReferenceStore, path: Path) -> str:
    """Register the Look-up of `path` as a release RMI published (as the shipped digests do for real ones)."""
    from minetrace.ingest.detect import detect_template
    from minetrace.ingest.reference.releases import lookup_digest
    from minetrace.ingest.workbook import open_workbook

    wb = open_workbook(path)
    template, _ = detect_template(wb)
    digest, importer = lookup_digest(template.kind, template.version, wb)
    ref.vouch_release(digest, template.kind, template.version, None, importer, "test")
    ref.db.commit()
    return digest


def test_a_known_release_is_learned_once_before_the_rows_resolve(tmp_path: Path, stores) -> None:
    ref, graph = stores
    files = [cmrt(tmp_path / f"s{i}.xlsx", f"Supplier {i} Ltd.") for i in range(3)]
    vouch(ref, files[0])
    report = ingest_paths(files, graph, resolver=Resolver(ref))
    assert [f.outcome for f in report.files] == ["new"] * 3
    learning = report.learning
    assert learning["files_checked"] == 3 and learning["imports"] == 1 and not learning["errors"]
    assert learning["proposals"] == 0
    (imp,) = learned_imports(ref)
    assert imp["file"] == "CMRT 6.5 Smelter Look-up (in s0.xlsx)" and imp["as_of"] == "2025-04-25"
    assert imp["rows"] == 3 and imp["trust"] == "template"
    assert report.files[0].learned_lookup and not report.files[1].learned_lookup
    fac = ref.facility("CID910002")
    assert fac is not None and fac.metal == "Tantalum" and fac.country_iso2 == "BR" and fac.as_of == "2025-04-25"
    assert "in s0.xlsx" in (fac.source or "")
    # the first file's rows already resolved against what its own Look-up taught
    hops = graph.reports(current_only=False)
    typed = [h for h in hops if h.raw_name == "LAMBDA TANTALUM INDUSTRIES"]
    assert len(typed) == 3 and {(h.smelter_key, h.method) for h in typed} == {("CID910002", "alias")}
    listed = [h for h in hops if h.raw_cid == "CID910001"]
    assert {h.method for h in listed} == {"cid"}  # verified against the Look-up, not taken on trust
    # a later batch of the same release imports nothing
    again = ingest_paths([cmrt(tmp_path / "s9.xlsx", "Supplier 9 Ltd.")], graph, resolver=Resolver(ref))
    assert again.learning["imports"] == 0 and len(learned_imports(ref)) == 1


def test_a_strangers_lookup_is_kept_as_proposals(tmp_path: Path, stores) -> None:
    """A Look-up that is no known release teaches nothing anyone else's rows resolve with: its rows are
    proposals (with their source file), listed by `fact_sources`, never facts."""
    ref, graph = stores
    files = [cmrt(tmp_path / f"s{i}.xlsx", f"Supplier {i} Ltd.") for i in range(3)]
    report = ingest_paths(files, graph, resolver=Resolver(ref))
    assert [f.outcome for f in report.files] == ["new"] * 3
    assert report.learning["imports"] == 1 and report.learning["proposals"] == 1
    assert "not a known RMI release" in (report.files[0].learned_lookup or "")
    (imp,) = learned_imports(ref)
    assert imp["trust"] == "supplier"
    assert ref.facility("CID910002") is None  # no shared fact was made from it
    typed = [h for h in graph.reports(current_only=False) if h.raw_name == "LAMBDA TANTALUM INDUSTRIES"]
    assert {h.smelter_key.startswith("prov:") for h in typed} == {True}
    facts = ref.fact_sources("CID910002")
    assert [f["status"] for f in facts["facts"]] == ["proposal (not used)"]
    assert "in s0.xlsx" in facts["facts"][0]["source"] and facts["facts"][0]["trust"] == "supplier"
    assert {a["status"] for a in facts["aliases"]} == {"proposed (for review, not used)"}
    # a blank template with that Look-up, imported by hand, is vouched for: from then on it is RMI's
    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", "6.5", facilities=[KAPPA, LAMBDA, MU])
    res = import_file(ref, blank)
    assert res.trust == "template" and res.rows == 3
    assert ref.facility("CID910002") is not None
    later = ingest_paths([cmrt(tmp_path / "s9.xlsx", "Supplier 9 Ltd.")], graph, resolver=Resolver(ref))
    assert later.learning["imports"] == 0
    (hop,) = [h for h in graph.reports() if h.raw_name == "LAMBDA TANTALUM INDUSTRIES" and "s9" in h.file_name]
    assert (hop.smelter_key, hop.method) == ("CID910002", "alias")


def test_a_strangers_lookup_never_changes_a_shared_fact(tmp_path: Path, stores) -> None:
    """A file whose own Look-up moves a known smelter to the DRC: the reference keeps the fact, the file gets a
    finding per disagreeing row, and another supplier's row of that smelter stays where it was."""
    ref, graph = stores
    good = cmrt(tmp_path / "a_good.xlsx", "Good Supplier Ltd.")
    vouch(ref, good)
    moved = Facility(KAPPA.cid, KAPPA.metal, "Kappa Congo Smelting", "CONGO, DEMOCRATIC REPUBLIC OF THE")
    stranger = cmrt(tmp_path / "0_stranger.xlsx", "Stranger Ltd.", lookup=[moved, LAMBDA, MU])
    report = ingest_paths([stranger, good], graph, resolver=Resolver(ref))  # the stranger first: order is moot
    assert [f.outcome for f in report.files] == ["new", "new"]
    fac = ref.facility(KAPPA.cid)
    assert fac is not None and fac.country_iso2 == "BO" and fac.standard_name == KAPPA.name
    info = {d.file_name: d for d in graph.declarations(current_only=False)}
    codes = [f["code"] for f in json.loads(info["0_stranger.xlsx"].findings_json)]
    assert codes.count("lookup_disagrees_with_reference") == 2  # country and standard name of one row
    assert "lookup_disagrees_with_reference" not in info["a_good.xlsx"].findings_json
    assert {h.country_iso2 for h in graph.reports() if h.smelter_key == KAPPA.cid} == {"BO"}
    kinds = {f["status"] for f in ref.fact_sources(KAPPA.cid)["facts"]}
    assert kinds == {"in force", "proposal (disagrees with the fact in force; not used)"}


def test_learning_off_leaves_the_reference_store_alone(tmp_path: Path, stores) -> None:
    ref, graph = stores
    report = ingest_paths([cmrt(tmp_path / "a.xlsx", "Acme Ltd.")], graph, resolver=Resolver(ref), learn=False)
    assert report.learning == {} and learned_imports(ref) == []
    (typed,) = [h for h in graph.reports() if h.raw_name == "LAMBDA TANTALUM INDUSTRIES"]
    assert typed.resolution_status == "unresolved" and typed.smelter_key.startswith("prov:")


def test_real_filled_files_learn_each_release_once_and_resolve_more(tmp_path: Path) -> None:
    folder = shared_path("cmrt", "filled")
    results = {}
    for learn in (False, True):
        ref = ReferenceStore(tmp_path / f"learn{int(learn)}")
        graph = EmbeddedStore(tmp_path / f"learn{int(learn)}")
        try:
            report = ingest_paths([folder], graph, resolver=Resolver(ref), learn=learn)
            hops = graph.reports(current_only=False)
            results[learn] = (report, Counter((h.resolution_status, h.method) for h in hops), learned_imports(ref))
        finally:
            graph.close()
            ref.close()
    report, counts, imports = results[True]
    # one import per release: the three CMRT 6.4 files share one Look-up, the four 3.01 files one crosswalk
    assert sorted(i["file"].split(" (in ")[0] for i in imports) == [
        "CMRT 3.01 Standard Smelter Names + K", "CMRT 6.4 Smelter Look-up"]
    assert report.learning["imports"] == 2 and report.learning["files_checked"] == len(report.files)
    _, before, _ = results[False]

    def verified(c: Counter) -> int:
        return sum(n for (status, method), n in c.items() if status == "resolved" and method != "cid_unverified")

    assert before[("resolved", "cid_unverified")] > 0 and counts[("resolved", "cid_unverified")] == 0
    assert verified(counts) > verified(before) + 30
    assert sum(counts.values()) == sum(before.values())


def test_every_rmi_template_here_is_a_known_release() -> None:
    """The shipped digests (ingest/reference/known_releases.csv) cover every template with a Look-up in
    ../shared, and the untouched Look-ups of the real filled files: RMI's content, recognised by content."""
    from minetrace.ingest.detect import detect_template
    from minetrace.ingest.reference.releases import known_release, lookup_digest
    from minetrace.ingest.workbook import open_workbook

    seen = 0
    for folder in ("templates", "filled"):
        for path in sorted(shared_path("cmrt", folder).iterdir()):
            wb = open_workbook(path)
            template, _ = detect_template(wb)
            found = lookup_digest(template.kind, template.version, wb)
            if found is None:  # 1.x / 2.x templates carry no Look-up with CIDs
                continue
            release = known_release(found[0])
            assert release is not None, f"{path.name}: Look-up of {template.kind} {template.version} not shipped"
            assert (release["kind"], release["version"]) == (template.kind, template.version)
            seen += 1
    assert seen >= 15


def test_reference_show_lists_every_source_of_a_cid(tmp_path: Path, stores) -> None:
    from typer.testing import CliRunner

    from minetrace.app.cli import root

    ref, graph = stores
    moved = Facility(KAPPA.cid, KAPPA.metal, "Kappa [bold]Congo[/bold] Works", "CONGO, DEMOCRATIC REPUBLIC OF THE")
    good = cmrt(tmp_path / "good.xlsx", "Good Ltd.")
    vouch(ref, good)
    ingest_paths([cmrt(tmp_path / "stranger.xlsx", "Stranger Ltd.", lookup=[moved, LAMBDA, MU]), good], graph,
                 resolver=Resolver(ref))
    res = CliRunner().invoke(root, ["reference", "show", KAPPA.cid, "--store", str(tmp_path / "store")],
                             env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "trust template" in res.stdout and "in force" in res.stdout
    assert "proposal (disagrees with the fact in force; not used)" in res.stdout
    assert "Kappa [bold]Congo[/bold] Works" in res.stdout  # supplier text shown as it is, never as markup
    assert "in stranger.xlsx" in res.stdout and "in good.xlsx" in res.stdout
    unknown = CliRunner().invoke(root, ["reference", "show", "CID999999", "--store", str(tmp_path / "store")])
    assert unknown.exit_code == 1
