"""A RY2025 program of the 2016 report's kind, rated at its filing date from RMI's lists of 2026-08-22, through
the CLI, every export read back and the explorer — on the embedded store and on a real Neo4j.

Program (CMRT 6.5 workbooks written by queries.template_writer; master list imported first; RMI's exports from
../shared imported as a user would; smelters are real CIDs, their names and countries read from the exports):
  master list S01–S39: S37, S38 service, S39 inactive since 2018 → 36 in scope; S01–S32 respond (32 of 36),
  S29–S32 invalid (contact phone missing); S33–S36 contacted, no answer
  S01–S06: one of the six watchlisted refiners each (DESIGN §1); S29 (invalid form) reports Kaloti too
  S07, S08: Gasabo Gold Refinery — located in Rwanda, on no RMAP list: the Covered-Country non-conformant one
            (S08 also declares "Rwanda" as mine country: the smelter's own country adds nothing)
  S09–S12: Luna (RW), Mining Minerals Resources (CD), Woodcross (UG) — RMAP audits Jan–May 2026, i.e. between
           31 Dec and the filing date; GG Refinery (TZ, re-audit in progress), PowerX (RW) → all low
  S13–S16: not conformant in whole-country CAHRA entries of the starter list (India ×2, Mexico, Venezuela)
  S17: MMTC-PAMP (India), audited July 2026 — after the filing date: not conformant at it
  S18: a non-conformant Chinese tungsten smelter with a 12-country RCOI list incl. the DRC (unspecific)
  S19: a conformant smelter with the specific mine countries "Rwanda, DRC" (conformant: no flag)
  S20: answers Q3 (Covered-Country sourcing) Yes: a supplier-level flag, not a high supplier
  every responder also reports conformant smelters (audits within the year before the filing date)
Expected, default policy: high = the six + Gasabo; high suppliers S01–S08 and S29. eu-2017-821: + the five
CAHRA-located ones; high suppliers + S13–S17. Every figure equal across CLI JSON, exports and explorer.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import shared_path
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

pytest_plugins = ["neo4j_server"]

YEAR = 2025
WATCH6 = ("CID002587", "CID002563", "CID002507", "CID002854", "CID002515", "CID002567")
GASABO = "CID005006"
RECENT = ("CID003387", "CID004065", "CID004724", "CID004506", "CID004054")
CAHRA_NC = ("CID003461", "CID002588", "CID000180", "CID005687")
AFTER_FILING = "CID002509"
RCOI_NC = "CID002513"
CAHRA_CONFORMANT = ("CID001163", "CID003641")
RCOI = "Australia | Bolivia | Brazil | Congo, Democratic Republic of the | China | Indonesia | Malaysia | Peru | " \
       "Russian Federation | Rwanda | Thailand | Viet Nam"
COVERED = {"CONGO, DEMOCRATIC REPUBLIC OF THE", "ANGOLA", "BURUNDI", "CENTRAL AFRICAN REPUBLIC", "CONGO", "RWANDA",
           "SOUTH SUDAN", "TANZANIA, UNITED REPUBLIC OF", "UGANDA", "ZAMBIA"}
STARTER_CAHRA = ("MEXICO", "COLOMBIA", "VENEZUELA", "UKRAINE", "YEMEN", "BURKINA FASO", "BURUNDI", "CAMEROON",
                 "CENTRAL AFRICAN REPUBLIC", "CHAD", "CONGO, DEMOCRATIC REPUBLIC OF THE", "EGYPT", "ERITREA", "LIBYA",
                 "MALI", "MOZAMBIQUE", "NIGER", "NIGERIA", "SOMALIA", "SOUTH SUDAN", "SUDAN", "ZIMBABWE",
                 "AFGHANISTAN", "INDIA", "MYANMAR", "PAKISTAN", "PHILIPPINES")
FIGURE_LABELS = {"high_risk_smelters": "High-risk smelters", "flagged_suppliers": "Suppliers with flagged paths",
                 "smelters_identified": "Smelters identified", "conformant_share": "Conformant share (%)",
                 "forms_valid": "Valid forms", "forms_invalid": "Invalid forms", "responded": "Suppliers responded",
                 "response_denominator": "In-scope suppliers (response-rate denominator)",
                 "response_rate": "Response rate (%)", "high_risk_suppliers": "Suppliers reaching a high-risk smelter"}


def cli(*args: str) -> str:
    """stdout of a command (notices go to stderr beside --json)."""
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def js(*args: str) -> dict:
    return json.loads(cli(*args, "--json"))


# ------------------------------------------------------------------------------------------ the program
def rmi_facilities(folder: Path) -> tuple[dict[str, Facility], list[Facility]]:
    """CID → Facility from RMI's reference list and revision history, and the conformant smelters that are
    current at the filing date (audit within the year before it) outside Covered Countries and CAHRAs."""
    out: dict[str, Facility] = {}
    with (folder / "rmi_export_2026-08-22_REVISIONS.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[r["Smelter ID"]] = Facility(r["Smelter ID"], r["Metal"], r["Standard Smelter Name"], r["Country"])
    with (folder / "rmi_export_2026-08-22_CMRT.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[r["Smelter ID"]] = Facility(r["Smelter ID"], r["Metal"], r["Standard Smelter Name"], r["Country"],
                                            state=r["State Province"] or None)
    current = []
    with (folder / "rmi_export_2026-08-22_CONFORMANT.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            f = out.get(r["Smelter ID"])
            if f is None or f.metal not in ("Gold", "Tin", "Tantalum", "Tungsten") or r["Audit Cycle"] != "1 Year":
                continue
            if not "2025-06-15" <= r["Last Audit Date"][:10] <= "2026-05-15":
                continue
            if f.country in COVERED or f.country.startswith(STARTER_CAHRA):
                continue
            current.append(f)
    return out, sorted(current, key=lambda f: f.cid)[:10]


def picks(i: int, fac: dict[str, Facility], fillers: list[Facility]) -> list[tuple[Facility, str | None]]:
    """(facility, mine-country cell) rows of supplier i."""
    rows = [(fillers[(i + k) % len(fillers)], None) for k in range(3)]
    if 1 <= i <= 6:
        rows.append((fac[WATCH6[i - 1]], None))
    elif i in (7, 8):
        rows.append((fac[GASABO], "RWANDA" if i == 8 else None))
    elif 9 <= i <= 12:
        rows += [(fac[RECENT[i - 9]], None)] + ([(fac[RECENT[4]], None)] if i == 12 else [])
    elif 13 <= i <= 16:
        rows.append((fac[CAHRA_NC[i - 13]], None))
    elif i == 17:
        rows.append((fac[AFTER_FILING], None))
    elif i == 18:
        rows.append((fac[RCOI_NC], RCOI))
    elif i == 19:
        rows[0] = (rows[0][0], "Rwanda, DRC")
    elif i in (21, 22):
        rows.append((fac[CAHRA_CONFORMANT[i - 21]], None))
    elif i == 29:
        rows.append((fac[WATCH6[1]], None))
    return rows


def name(i: int) -> str:
    return f"Filing Scenario Supplier {i:02d} Ltd"


def write_program(base: Path, folder: Path) -> None:
    fac, fillers = rmi_facilities(folder)
    with (base / "master.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier ID", "Supplier Name", "Category", "Last Purchase Date", "Contact Email"])
        for i in range(1, 40):
            cat = "service" if i in (37, 38) else "direct"
            w.writerow([f"S{i:02d}", name(i), cat, "2018-03-01" if i == 39 else "2025-09-30",
                        f"compliance@supplier{i:02d}.example"])
    (base / "cmrts").mkdir()
    for i in range(1, 33):
        rows = picks(i, fac, fillers)
        specs = [SmelterSpec.listed(f, mine_countries=mc) if mc else SmelterSpec.listed(f) for f, mc in rows]
        spec = complete_spec(company_name=name(i), smelters=specs, metals=sorted({f.metal for f, _ in rows}),
                             effective_date=date(2026, 3, 1), email_domain=f"supplier{i:02d}.example")
        if i == 20:
            for metal in spec.answers["Q3"]:
                spec.answers["Q3"][metal] = "Yes"
        if i >= 29:
            spec.company["contact_phone"] = None
        write_cmrt(spec, base / "cmrts" / f"supplier_{i:02d}_cmrt_2025.xlsx", version="6.5")


def run_program(base: Path, store: str, folder: Path) -> None:
    cli("reference", "import", *(str(folder / f"rmi_export_2026-08-22_{k}.csv")
                                 for k in ("CMRT", "CONFORMANT", "ACTIVE", "REVISIONS")), "--store", store)
    cli("survey", "import-suppliers", str(base / "master.csv"), "--store", store)
    cli("ingest", str(base / "cmrts"), "--store", store, "--year", str(YEAR))
    for i in range(33, 37):
        cli("survey", "log", f"S{i:02d}", "--event", "contacted", "--date", "2026-01-15", "--store", store)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = shared_path("reference", "rmi-export-2026-08-22")
    base = tmp_path_factory.mktemp("filing")
    write_program(base, folder)
    return base, folder


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest, program: tuple[Path, Path]) -> Iterator[str]:
    """The program run through the CLI into each store; cwd and MINETRACE_STORE point at the reference DB."""
    base, folder = program
    old_cwd, old_env = Path.cwd(), os.environ.get("MINETRACE_STORE")
    work = base / request.param
    work.mkdir()
    os.chdir(work)
    if request.param == "embedded":
        target = str(work / "store")
        os.environ["MINETRACE_STORE"] = target
    else:
        from neo4j_server import wipe

        target = request.getfixturevalue("neo4j_uri")
        wipe(target, request.getfixturevalue("neo4j_auth"), os.environ.get("NEO4J_DATABASE"))
        os.environ["MINETRACE_STORE"] = target  # a URI store: the reference DB is ./.minetrace of the cwd
    try:
        run_program(base, target, folder)
        yield target
    finally:
        os.chdir(old_cwd)
        if old_env is None:
            os.environ.pop("MINETRACE_STORE", None)
        else:
            os.environ["MINETRACE_STORE"] = old_env


# ------------------------------------------------------------------------------------------ the checks
def sheet(path: Path, title: str) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)[title]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def figures_sheet(path: Path) -> dict:
    return {r["Figure"]: r["Value"] for r in sheet(path, "Program figures")}


def sup(ids: range | list[int]) -> list[str]:
    return [f"S{i:02d}" for i in ids]


def test_default_policy_rates_the_reports_short_list(store: str) -> None:
    head = cli("risk", "smelters", "--store", store, "--level", "high").splitlines()
    assert head[0].startswith("policy us-sec-1502") and "statuses as of 2026-05-31 (filing date)" in head[0]
    assert "2026-08-22" in head[0]
    out = js("risk", "smelters", "--store", store, "--year", str(YEAR))
    levels = {s["cid"]: s["level"] for s in out["smelters"] if s["cid"]}
    assert sorted(c for c, lv in levels.items() if lv == "high") == sorted([*WATCH6, GASABO])
    for cid in RECENT + CAHRA_CONFORMANT:  # conformant, audited between 31 Dec and the filing date (or re-audit)
        assert levels[cid] == "low", cid
    for cid in (*CAHRA_NC, AFTER_FILING, RCOI_NC):
        assert levels[cid] == "medium", cid
    by_cid = {s["cid"]: s for s in out["smelters"]}
    assert [r["code"] for r in by_cid[CAHRA_NC[0]]["reasons"]] == ["cahra_location", "not_conformant"]
    assert [n["code"] for n in by_cid[RCOI_NC]["notes"]] == ["unspecific_sourcing"]
    assert [r["code"] for r in by_cid[GASABO]["reasons"]] == ["covered_location", "not_conformant"]
    assert by_cid["CID003387"]["status_basis"] == "audit_date"
    suppliers = js("risk", "suppliers", "--store", store, "--high")
    assert sorted(s["supplier_id"] for s in suppliers["suppliers"]) == sup([*range(1, 9), 29])
    everyone = {s["supplier_id"]: s for s in js("risk", "suppliers", "--store", store)["suppliers"]}
    assert everyone["S20"]["flags"] == ["covered_sourcing"] and everyone["S20"]["worst_risk"] != "high"


def test_eu_preset_adds_the_cahra_located_ones(store: str) -> None:
    out = js("risk", "smelters", "--store", store, "--policy", "eu-2017-821", "--level", "high")
    assert out["policy"] == "eu-2017-821"
    assert sorted(s["cid"] for s in out["smelters"]) == sorted([*WATCH6, GASABO, *CAHRA_NC, AFTER_FILING])
    fig = js("risk", "figures", "--store", store, "--policy", "eu-2017-821")["figures"]
    assert fig["high_risk_supplier_ids"] == sup([*range(1, 9), *range(13, 18), 29])


def test_every_figure_is_the_same_on_every_surface(store: str, tmp_path: Path) -> None:
    fig = js("risk", "figures", "--store", store)["figures"]
    assert (fig["high_risk_smelters"], fig["high_risk_supplier_ids"]) == (7, sup([*range(1, 9), 29]))
    assert (fig["responded"], fig["response_denominator"], fig["response_rate"]) == (32, 36, 88.9)
    assert (fig["forms_valid"], fig["forms_invalid"]) == (28, 4)
    # CLI
    assert js("risk", "smelters", "--store", store)["counts"]["high"] == fig["high_risk_smelters"]
    assert sorted(s["supplier_id"] for s in js("risk", "suppliers", "--store", store, "--high")["suppliers"]) == \
        fig["high_risk_supplier_ids"]
    assert js("query", "paths", "--store", store)["suppliers"] == fig["flagged_supplier_ids"]
    survey = js("survey", "status", "--store", store)["figures"]
    assert (survey["responded"], survey["in_scope"], survey["response_rate"], survey["valid"], survey["invalid"]) == (
        fig["responded"], fig["response_denominator"], fig["response_rate"], fig["forms_valid"], fig["forms_invalid"])
    # exports, read back
    paths = {k: tmp_path / f"{k}.xlsx" for k in ("flagged", "appendix", "responses", "findings")}
    cli("export", "flagged", "--flag", "high", "--out", str(paths["flagged"]), "--store", store)
    for kind in ("appendix", "responses", "findings"):
        cli("export", kind, "--out", str(paths[kind]), "--store", store)
    for path in paths.values():
        got = figures_sheet(path)
        assert {k: got[label] for k, label in FIGURE_LABELS.items()} == {k: fig[k] for k in FIGURE_LABELS}, path
        about = {r["Item"]: r["Value"] for r in sheet(path, "About")}
        assert about["Statuses judged as of"] == "2026-05-31" and about["Policy"].startswith("us-sec-1502")
    flagged = sheet(paths["flagged"], "Flagged suppliers")
    assert sorted({r["Supplier ID"] for r in flagged}) == fig["high_risk_supplier_ids"]
    row = next(r for r in flagged if r["Supplier ID"] == "S01")
    assert row["Path"].startswith("S01 Filing Scenario Supplier 01 Ltd → supplier_01_cmrt_2025.xlsx → CID002587 ")
    assert "Supplier" in row and row["Declaration file"] == "supplier_01_cmrt_2025.xlsx"
    counts = {r["Figure"]: r["Value"] for r in sheet(paths["appendix"], "Counts")}
    assert (counts["Smelters identified"], counts["Conformant share (%)"], counts["High-risk smelters"]) == (
        fig["smelters_identified"], fig["conformant_share"], fig["high_risk_smelters"])
    responses = {r["Figure"]: r["Value"] for r in sheet(paths["responses"], "Figures")}
    assert (responses["Responded"], responses["Response rate (%)"], responses["Valid forms"],
            responses["Invalid forms"]) == (fig["responded"], fig["response_rate"], fig["forms_valid"],
                                            fig["forms_invalid"])
    findings = sheet(paths["findings"], "Findings")
    assert any(r["Code"] == "covered_sourcing_answer" and r["Supplier ID"] == "S20" for r in findings)
    # the explorer's Overview, both presets
    eu = js("risk", "figures", "--store", store, "--policy", "eu-2017-821")["figures"]
    for policy, f in (("us-sec-1502", fig), ("eu-2017-821", eu)):
        metrics = overview(store, policy)
        assert metrics["High-risk smelters"] == str(f["high_risk_smelters"])
        assert metrics["Suppliers with flagged paths"] == str(f["flagged_suppliers"])
        assert metrics["Smelters identified"] == str(f["smelters_identified"])
        assert metrics["Conformant share"] == f"{f['conformant_share']:.1f} %"
        assert metrics["Valid / invalid forms"] == f"{f['forms_valid']} / {f['forms_invalid']}"
        assert metrics["Responded"] == str(f["responded"])
        assert metrics["Suppliers in scope"] == str(f["response_denominator"])
        assert metrics["Response rate"] == f"{f['response_rate']:.1f} %"


def overview(store: str, policy: str) -> dict[str, str]:
    from streamlit.testing.v1 import AppTest

    from minetrace.app.explorer import data

    data.reset_store()
    script = "from app.explorer import views\nfrom app.explorer.screens import overview\n" \
             "views.sidebar()\noverview.render()\n"
    at = AppTest.from_string(script, default_timeout=120)
    at.session_state["policy"] = policy
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    caption = " ".join(c.value for c in at.caption)
    assert f"Policy **{policy}**" in caption and "2026-05-31" in caption
    data.reset_store()
    return {m.label: m.value for m in at.metric}


def test_a_fresh_store_says_it_has_no_status_data_and_flags_nothing_high(tmp_path: Path) -> None:
    """No reference import at all: the starter facts only. Every rating command says so on its first line."""
    (tmp_path / "cmrts").mkdir()
    tony = Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM")
    phoenix = Facility("CID002507", "Tin", "Phoenix Metal Ltd.", "RWANDA")
    for i, f in enumerate((tony, phoenix), start=1):
        spec = complete_spec(company_name=name(i), smelters=[SmelterSpec.listed(f)], metals=[f.metal],
                             effective_date=date(2026, 3, 1), email_domain=f"fresh{i}.example")
        write_cmrt(spec, tmp_path / "cmrts" / f"fresh_{i}.xlsx", version="6.5")
    store = str(tmp_path / "store")
    cli("ingest", str(tmp_path / "cmrts"), "--store", store, "--year", str(YEAR))
    for args in (("risk", "smelters"), ("risk", "suppliers"), ("risk", "figures"), ("query", "paths"),
                 ("export", "flagged", "--out", str(tmp_path / "f.xlsx"))):
        first = cli(*args, "--store", store).splitlines()[0]  # both notices on the first line
        assert first.startswith("note: No smelter reference list") and "notice: no RMAP status data imported" in \
            first, (args, first)
        res = CliRunner().invoke(root, [*args, "--store", store, "--json"], catch_exceptions=False)
        assert "no RMAP status data imported" in res.stderr.splitlines()[0] and json.loads(res.stdout)
    out = js("risk", "smelters", "--store", store)
    assert out["notices"] and {s["level"] for s in out["smelters"]} == {None}
    assert all("no_status_data" in [f["code"] for f in s["findings"]] for s in out["smelters"])
    fig = js("risk", "figures", "--store", store)["figures"]
    assert (fig["high_risk_smelters"], fig["conformant_share"], fig["response_rate"]) == (0, None, None)
