"""Streamlit AppTest tests for every explorer page, against a store built by the real ingest of generated CMRTs.

Each test runs one page script (sidebar + page) in-process and checks: no exception, the key widgets are
there, and a query answer shows the rows the generated program was built to produce.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import DemoStore
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGE_SCRIPT = """
import importlib
from minetrace.app.explorer import views
views.sidebar()
importlib.import_module("minetrace.app.explorer.screens.{page}").render()
"""
TIMEOUT = 90


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStore]:
    demo = DemoStore(tmp_path_factory.mktemp("explorer"))
    old = os.environ.get("MINETRACE_STORE")
    os.environ["MINETRACE_STORE"] = str(demo.store_dir)
    try:
        yield demo
    finally:
        if old is None:
            os.environ.pop("MINETRACE_STORE", None)
        else:
            os.environ["MINETRACE_STORE"] = old


def page(name: str, **state: object) -> AppTest:
    at = AppTest.from_string(PAGE_SCRIPT.format(page=name), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


#: the headers (plain words, as a person reads them) that tell the page's tables apart (AppTest exposes keys of
#: selectable tables only)
TABLE_COLUMNS = {
    "high_risk": {"Smelter ID", "Reasons", "Country", "Suppliers", "Trace"},
    "trace_evidence_table": {"Country as written", "Cell", "Matched by"},
    "exp_cid_suppliers": {"Smelter ID", "Supplier ID", "Metals", "Years"},
    "sup_detail_decls": {"Version", "Received", "Errors"},
    "sup_detail_smelters": {"Risk", "Name as written", "Matched by", "Smelter"},
    "sm_detail_hops": {"Supplier", "CID as written", "Match score"},
    "val_findings": {"File", "Severity", "Finding", "Cell", "Supplier ID"},
}


def frame_by_key(at: AppTest, key: str):  # noqa: ANN201 - a pandas DataFrame
    for df in at.dataframe:
        if getattr(df, "key", None) == key:
            return df.value
    wanted = TABLE_COLUMNS.get(key)
    matches = [df.value for df in at.dataframe if wanted and wanted <= set(df.value.columns)]
    assert len(matches) == 1, f"{len(matches)} dataframes look like {key!r}"
    return matches[0]


def test_demo_store_was_ingested(demo: DemoStore) -> None:
    counts = demo.report.counts()
    assert counts["new"] + counts["invalid_stored"] == len(demo.cmrt_files())
    assert demo.watchlisted(), "the generated program must contain watchlisted smelters"


def test_main_script_renders_overview(demo: DemoStore) -> None:
    at = AppTest.from_file(str(ROOT / "app" / "explorer" / "main.py"), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert at.title[0].value == "Overview"
    assert at.sidebar.selectbox[0].label == "Reporting year"
    assert at.sidebar.selectbox[0].value == demo.year


def test_the_store_location_shows_as_typed(demo: DemoStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar and the Ingest page show the store's location verbatim in a code span — a Neo4j URI's colons or
    a folder's underscores are not shown backslash-escaped (escapes are literal inside a code span), and a backtick
    in it cannot end the span."""
    odd = tmp_path / "team_store:2024`x"
    odd.symlink_to(demo.store_dir, target_is_directory=True)
    monkeypatch.setenv("MINETRACE_STORE", str(odd))
    for name in ("overview", "ingest"):
        at = page(name)
        no_exception(at)
        shown = [c.value for c in [*at.sidebar.caption, *at.caption] if c.value.startswith("Store:")]
        assert shown and all(f"``{odd}``" in v and "\\" not in v for v in shown), shown


def test_password_gate(demo: DemoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINETRACE_PASSWORD_ENV", "EXPLORER_TEST_PASSWORD")
    monkeypatch.setenv("EXPLORER_TEST_PASSWORD", "s3cret")
    at = AppTest.from_file(str(ROOT / "app" / "explorer" / "main.py"), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert not any(t.value == "Overview" for t in at.title)
    at.text_input(key="password_input").input("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    at.text_input(key="password_input").input("s3cret")
    at.button[0].click().run()
    assert any(t.value == "Overview" for t in at.title)


def test_overview_kpis_match_the_program(demo: DemoStore) -> None:
    at = page("overview")
    no_exception(at)
    figures = demo.manifest.figures()
    assert metric(at, "Suppliers in scope") == str(figures["in_scope"])
    assert metric(at, "Responded") == str(figures["responded"])
    assert metric(at, "Valid / invalid forms") == f"{figures['valid']} / {figures['invalid']}"
    assert int(metric(at, "High-risk smelters")) >= 1
    assert int(metric(at, "Suppliers with flagged paths")) >= len(figures["watchlisted_suppliers"])
    assert len(at.get("plotly_chart")) == 2  # funnel, risk by metal
    high = frame_by_key(at, "high_risk")
    assert set(demo.watchlisted()) & set(high["Smelter ID"])
    assert (high["Suppliers"] >= 1).all()  # how many suppliers reach each, and a link to its trace
    assert all(str(t).startswith("trace?") for t in high["Trace"])
    assert not [c for c in high.columns if "_" in c]  # plain headers, never snake_case


def test_trace_a_watchlisted_cid_shows_its_paths_and_evidence(demo: DemoStore) -> None:
    cid, suppliers = next(iter(sorted(demo.watchlisted().items())))
    at = page("trace", trace_mode="CID", trace_pick_CID=cid, trace_evidence=True)
    no_exception(at)
    assert at.radio(key="trace_mode").value == "CID"
    assert at.selectbox(key="trace_pick_CID").value == cid
    assert len(at.get("plotly_chart")) == 2  # node-link graph and Sankey
    evidence = frame_by_key(at, "trace_evidence_table")
    assert sorted(set(evidence["Supplier ID"])) == sorted(set(suppliers))
    assert set(evidence["Smelter ID"]) == {cid}
    assert evidence["File"].notna().all() and evidence["Cell"].notna().all()
    assert set(evidence["Risk"]) == {"high"}


def test_trace_filters_and_supplier_mode(demo: DemoStore) -> None:
    sid = demo.manifest.figures()["watchlisted_suppliers"][0]
    at = page("trace", trace_mode="Supplier", trace_pick_Supplier=sid, trace_evidence=True, trace_risks=["high"])
    no_exception(at)
    evidence = frame_by_key(at, "trace_evidence_table")
    assert set(evidence["Supplier ID"]) == {sid}
    assert set(evidence["Risk"]) == {"high"}


def test_exposure_to_a_cid_and_to_the_covered_countries(demo: DemoStore) -> None:
    cid, suppliers = next(iter(sorted(demo.watchlisted().items())))
    at = page("exposure", exp_cids=[cid])
    no_exception(at)
    exposed = frame_by_key(at, "exp_cid_suppliers")
    assert sorted(exposed["Supplier ID"]) == sorted(set(suppliers))
    assert len(at.get("plotly_chart")) == 1  # the world map
    at.button(key="exp_covered_btn").click().run()
    no_exception(at)
    assert "CD" in at.multiselect(key="exp_countries").value
    assert any(m.label == "Smelters located there" for m in at.metric)


def test_suppliers_table_and_drill_down(demo: DemoStore) -> None:
    sid = demo.manifest.figures()["watchlisted_suppliers"][0]
    at = page("suppliers", sup_open=sid)
    no_exception(at)
    table = frame_by_key(at, "sup_table")
    assert set(table["ID"]) >= {s.supplier_id for s in demo.manifest.suppliers}
    decls = frame_by_key(at, "sup_detail_decls")
    assert len(decls) == 1
    smelters = frame_by_key(at, "sup_detail_smelters")
    assert "high" in set(smelters["Risk"])
    at.text_input(key="sup_search").input(sid).run()
    assert list(frame_by_key(at, "sup_table")["ID"]) == [sid]


def test_smelters_filter_by_risk_and_drill_down(demo: DemoStore) -> None:
    cid = sorted(demo.watchlisted())[0]
    at = page("smelters", sm_risk=["high"], sm_open=cid)
    no_exception(at)
    table = frame_by_key(at, "sm_table")
    assert len(table) >= 1 and set(table["Risk"]) == {"high"}
    assert cid in set(table["Smelter ID"])
    reporters = frame_by_key(at, "sm_detail_hops")
    assert sorted(set(reporters["Supplier ID"])) == sorted(set(demo.watchlisted()[cid]))


def test_validation_lists_every_file_and_findings(demo: DemoStore) -> None:
    at = page("validation")
    no_exception(at)
    files = frame_by_key(at, "val_files")
    assert len(files) == len(demo.cmrt_files())
    invalid = {s.file.split("/")[-1] for s in demo.manifest.suppliers if s.expected_status == "invalid"}
    assert {Path(f).name for f in files[files["Status"] == "invalid"]["File"]} == invalid
    findings = frame_by_key(at, "val_findings")
    assert {Path(f).name for f in findings[findings["Severity"] == "error"]["File"]} == invalid
    assert findings["Cell"].notna().all()


def test_ingest_page_renders_and_limits(demo: DemoStore) -> None:
    from minetrace.app.explorer.screens.ingest import check_limits

    at = page("ingest")
    no_exception(at)
    assert [t.value for t in at.subheader] == ["Supplier declarations", "Supplier master list", "Reference data"]

    class Upload:
        def __init__(self, name: str, size: int) -> None:
            self.name, self.size = name, size

    assert check_limits([Upload("a.xlsx", 10)], max_files=5, max_mb=1) == []
    problems = check_limits([Upload("big.xlsx", 3 * 1024 * 1024)] * 6, max_files=5, max_mb=1)
    assert any("at most 5" in p for p in problems) and any("big.xlsx" in p for p in problems)


def test_exports_page_offers_every_export(demo: DemoStore) -> None:
    at = page("exports")
    no_exception(at)
    buttons = [b for b in at.get("download_button")]
    keys = {b.proto.id for b in buttons}
    for kind in ("flagged", "appendix", "responses", "findings"):
        assert any(f"dl_{kind}_xlsx" in k for k in keys), kind
    assert any("dl_report_docx" in k for k in keys)
    # the consolidated CMRT is validated before it is offered: without a company block it is not ready to send
    at.button(key="exp_cmrt_build").click().run()
    no_exception(at)
    assert any("not ready to send" in w.value for w in at.warning)
    findings = next(df.value for df in at.dataframe if {"Severity", "Cell", "Message"} <= set(df.value.columns))
    assert "error" in set(findings["Severity"]) and findings["Cell"].str.startswith("Declaration!").any()
    assert any("dl_cmrt_xlsx" in b.proto.id for b in at.get("download_button"))


def test_the_report_download_is_the_years_conflict_minerals_report(demo: DemoStore) -> None:
    import io

    from docx import Document

    from minetrace.app.explorer import data

    doc = Document(io.BytesIO(data.export_bytes("report", "docx", demo.year)))
    text = "\n".join(p.text for p in doc.paragraphs)
    want = demo.manifest.figures()
    assert f"{want['responded']} of the {want['in_scope']} in-scope suppliers responded" in text
    high = next(t for t in doc.tables if t.rows[0].cells[0].text == "Smelter ID")
    assert set(demo.watchlisted()) <= {r.cells[0].text for r in high.rows[1:]}


def test_review_queue_accept_is_recorded_as_a_decision(demo: DemoStore) -> None:
    import yaml

    from minetrace.ingest.reference.store import ReferenceStore

    ref = ReferenceStore.open(demo.store_dir)
    sha = demo.report.files[0].sha256
    ref.enqueue_review(str(sha), 42, "Gold", "Tony Goetz N.V. Antwerpen", "BELGIUM", "review",
                       [{"cid": "CID002587", "name": "Tony Goetz NV", "score": 91.0},
                        {"cid": "CID002563", "name": "Kaloti Precious Metals", "score": 55.0}])
    decisions_file = ref.decisions_path
    entry = next(r["id"] for r in ref.open_reviews() if r["raw_name"] == "Tony Goetz N.V. Antwerpen")
    ref.close()
    at = page("validation")
    no_exception(at)
    assert any("Tony Goetz N.V. Antwerpen" in e.label for e in at.expander)
    radio = at.radio(key=f"rev_pick_{entry}")  # the ingest may have queued other rows of the program too
    assert radio.value == "CID002587"
    at.button(key=f"rev_accept_{entry}").click().run()
    no_exception(at)
    saved = yaml.safe_load(decisions_file.read_text(encoding="utf-8"))["decisions"]
    assert any(d.get("accept") == "CID002587" and d.get("metal") == "Gold" for d in saved)
    assert not any("Tony Goetz N.V. Antwerpen" in e.label for e in at.expander)
    assert any("Recorded decisions" in m.value for m in at.markdown)


def test_upload_ingest_goes_through_the_cli_ingest_and_keeps_the_uploaded_name(demo: DemoStore,
                                                                                tmp_path: Path) -> None:
    from minetrace.app.explorer import data
    from minetrace.app.synthetic.workbooks import generate_program, starter_facilities

    other = generate_program(tmp_path / "other", 2, seed=99, facilities=starter_facilities(), master_list=False)
    good = tmp_path / "other" / str(other.responders()[0].file)
    bad = tmp_path / "upload-1" / "photo.xls"
    bad.parent.mkdir()
    bad.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00JFIF" + bytes(200))  # a JPEG named .xls
    seen: list[str] = []
    before = data.store().version()
    report = data.ingest_files([bad, good], names={bad: "photo.xls", good: "from-browser.xlsx"},
                               progress=lambda r: seen.append(r.name))
    outcomes = {f.name: f for f in report.files}
    assert seen == ["photo.xls", "from-browser.xlsx"]
    assert outcomes["photo.xls"].outcome == "unreadable" and outcomes["photo.xls"].message
    assert outcomes["from-browser.xlsx"].outcome in ("new", "invalid_stored")
    assert data.store().version() != before
    stored = data.store().declaration(str(outcomes["from-browser.xlsx"].sha256))
    assert stored is not None and stored.file_name == "from-browser.xlsx"
    again = data.ingest_files([good], names={good: "again.xlsx"})
    assert again.files[0].outcome == "duplicate"


def test_trace_lists_flagged_paths_with_their_source_rows(demo: DemoStore) -> None:
    at = page("trace")
    no_exception(at)
    paths = next(df for df in at.dataframe if getattr(df, "key", None) == "trace_flagged").value
    assert set(demo.manifest.figures()["watchlisted_suppliers"]) <= set(paths["Supplier ID"])
    assert set(demo.watchlisted()) <= set(paths["Smelter ID"])
    assert paths["File"].notna().all() and paths["Cell"].str.match(r"^Smelter List!\w+$").all()
    # people read names: "S00001 Acme Corp → acme.xlsx → CID002587 Tony Goetz NV → BE", never a hash
    import re

    for p, sid, name, file_name, cid in zip(paths["Path"], paths["Supplier ID"], paths["Supplier"],
                                            paths["File"], paths["Smelter ID"], strict=True):
        who = str(name) if str(sid).startswith("decl:") else str(sid)  # a declared-only supplier: by its name
        assert who in p and Path(str(file_name)).name in p and str(cid) in p, p
        assert not re.search(r"\b[0-9a-f]{64}\b", p) and "company" not in p, p


@pytest.mark.parametrize("kind,fmt", [("flagged", "xlsx"), ("flagged", "csv"), ("appendix", "xlsx"),
                                      ("appendix", "csv"), ("cmrt", "xlsx"), ("responses", "xlsx"),
                                      ("responses", "csv"), ("findings", "xlsx"), ("findings", "csv")])
def test_every_download_opens(demo: DemoStore, kind: str, fmt: str) -> None:
    import csv
    import io

    import openpyxl

    from minetrace.app.explorer import data

    payload = data.export_bytes(kind, fmt, demo.year)
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
        rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    assert len(rows) >= 2, f"{kind}.{fmt} has no data row"
    if kind == "flagged":
        text = {str(c) for r in rows for c in r if c is not None}
        assert set(demo.manifest.figures()["watchlisted_suppliers"]) <= text


def test_smelter_what_if_off_the_watchlist(demo: DemoStore) -> None:
    cid = sorted(demo.watchlisted())[0]
    at = page("smelters", sm_open=cid, sm_whatif_change="off_watchlist")
    no_exception(at)
    at.button(key="sm_whatif_go").click().run()
    no_exception(at)
    before_after = next(df.value for df in at.dataframe if {"Before", "After", "Smelter ID"} <= set(df.value.columns))
    assert list(before_after["Smelter ID"]) == [cid] and list(before_after["Before"]) == ["high"]
    assert any("supplier" in (m.value or "") for m in [*at.markdown, *at.success])


@pytest.mark.parametrize("name", ["overview", "trace", "exposure", "suppliers", "smelters", "validation", "ingest",
                                  "exports"])
def test_every_page_renders_on_an_empty_store(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINETRACE_STORE", str(tmp_path / "empty-store"))
    at = page(name)
    no_exception(at)
    assert at.title[0].value.lower() == name


def test_trace_pages_a_large_selection(demo: DemoStore) -> None:
    from minetrace.app.explorer import data

    hops = data.reports(data.key(), demo.year)
    country = hops.groupby("country_iso2")["smelter_key"].nunique().idxmax()
    smelters = hops[hops["country_iso2"] == country]["smelter_key"].nunique()
    assert smelters > 10
    at = page("trace", trace_mode="Country", trace_pick_Country=country, trace_page_size=10)
    no_exception(at)
    pager = at.number_input(key="trace_page")
    assert pager.max == -(-smelters // 10)
    pager.set_value(2).run()
    no_exception(at)


def test_a_long_review_queue_is_drawn_a_page_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program resolved against the starter set queues hundreds of uncertain rows, most of them the same few names
    written by many suppliers. The Review queue draws one expander per name (metal, name as written, country: what
    one decision settles), REVIEW_PAGE names at a time, says how many rows and names wait, pages through the rest
    and searches them."""
    from minetrace.app.explorer.screens.validation import REVIEW_PAGE
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.ingest.reference.store import ReferenceStore

    store = tmp_path / "store"
    EmbeddedStore(store).close()
    ref = ReferenceStore.open(store)
    n = 2 * REVIEW_PAGE + 4
    candidates = [{"cid": "CID000001", "name": "A candidate", "score": 80.0}]
    for i in range(n):
        ref.enqueue_review("f" * 64, 7 + i, "Tin", f"Smelter as written {i:03d}", "BOLIVIA", "review", candidates)
    for sha in ("a", "b", "c"):  # one name, three suppliers' forms
        ref.enqueue_review(sha * 64, 9, "Tin", "Smelter as written zzz", "BOLIVIA", "review", candidates)
    ref.close()
    monkeypatch.setenv("MINETRACE_STORE", str(store))

    def drawn(at: AppTest) -> list[str]:
        return [e.label for e in at.expander if "Smelter as written" in e.label]

    at = page("validation")
    no_exception(at)
    first = drawn(at)
    assert len(first) == REVIEW_PAGE and "written 000" in first[0] and f"written {REVIEW_PAGE - 1:03d}" in first[-1]
    assert any(f"{n + 3} uncertain smelter row(s) waiting under {n + 1} name(s) — one decision settles every row "
               f"of a name · showing 1–{REVIEW_PAGE}" in c.value for c in at.caption)
    at.number_input(key="rev_page").set_value(3).run()
    no_exception(at)
    last = drawn(at)
    assert len(last) == 5 and f"written {n - 1:03d}" in last[-2]
    assert "“Smelter as written zzz” · BOLIVIA — 3 rows" in last[-1]
    assert any("Written so in: aaaaaaaaaaaa row 9; bbbbbbbbbbbb row 9; cccccccccccc row 9" in c.value
               for c in at.caption)
    # a search narrows the names and the page chosen falls back to the last one there is
    at.text_input(key="rev_search").input("written 013").run()
    no_exception(at)
    assert drawn(at) == [label for label in first if "written 013" in label]
    assert at.number_input(key="rev_page").value == 1
    assert any(f"under {n + 1} name(s), 1 found by the search — one decision settles every row of a name · "
               "showing 1–1" in c.value for c in at.caption)
