"""End-to-end in a real browser: Debian's Chromium driven by Playwright against a running explorer.

One explorer process for the module (Streamlit start-up is slow), on a free port, against a store built
by the real ingest of a generated program. The flow an analyst follows: look at the overview, upload a
CMRT, find it in Validation, trace a watchlisted CID to its supplier and source row, download the
flagged-supplier export and the Conflict Minerals Report and read them back. A screenshot of every page
goes to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_support import ARTIFACTS, DemoStore, Explorer, require_chromium, shot, start_chromium, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    require_chromium()
    return DemoStore(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def explorer(demo: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explorer]:
    app = Explorer(demo.store_dir, tmp_path_factory.mktemp("logs") / "explorer.log")
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def page(explorer: Explorer) -> Iterator[Any]:
    pw, browser = start_chromium()
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()
        browser.close()
        pw.stop()


def open_page(page: Any, explorer: Explorer, path: str) -> None:
    page.goto(f"{explorer.url}/{path}", wait_until="domcontentloaded")
    wait_for_app(page)


def main_text(page: Any) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_overview_shows_the_program(page: Any, explorer: Explorer, demo: DemoStore) -> None:
    open_page(page, explorer, "")
    text = main_text(page)
    assert "Overview" in text and "Suppliers in scope" in text
    assert f"{demo.manifest.figures()['valid']} / {demo.manifest.figures()['invalid']}" in text
    page.wait_for_selector(".js-plotly-plot")
    shot(page, "overview")


def test_upload_a_cmrt_and_see_it_in_validation(page: Any, explorer: Explorer, demo: DemoStore,
                                                tmp_path: Path) -> None:
    from minetrace.app.synthetic.workbooks import generate_program, starter_facilities

    other = generate_program(tmp_path / "other", 2, seed=4242, facilities=starter_facilities())
    source = tmp_path / "other" / str(other.responders()[0].file)
    upload = tmp_path / "Uploaded_Supplier_CMRT.xlsx"
    upload.write_bytes(source.read_bytes())
    open_page(page, explorer, "ingest")
    page.locator('[data-testid="stFileUploader"]').first.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_role("button", name="Ingest 1 file(s)").click()
    page.get_by_text("1 file(s):").first.wait_for()
    wait_for_app(page)
    assert "unreadable" not in main_text(page).split("1 file(s):")[1].split("\n")[0]
    shot(page, "ingest")
    open_page(page, explorer, "validation")
    page.get_by_label("Search file or company").fill("Uploaded_Supplier")
    page.keyboard.press("Enter")
    wait_for_app(page)
    files = len(demo.cmrt_files()) + 1
    assert f"1 of {files} files shown" in main_text(page)
    shot(page, "validation")


def test_trace_a_watchlisted_cid_to_its_supplier(page: Any, explorer: Explorer, demo: DemoStore) -> None:
    cid, suppliers = sorted(demo.watchlisted().items())[0]
    names = {s.supplier_id: s.name for s in demo.manifest.suppliers}
    open_page(page, explorer, f"trace?cid={cid}")
    page.wait_for_selector(".js-plotly-plot")
    text = main_text(page)
    assert "High-risk smelters" in text
    graph_text = page.locator(".js-plotly-plot").first.inner_text()
    for sid in suppliers:
        assert names[sid][:28] in graph_text
    # click the smelter node (node trace = second scatter trace; points: company, supplier(s), smelter, country)
    point = page.locator(".js-plotly-plot .scatterlayer .trace").nth(1).locator("path.point").nth(1 + len(suppliers))
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator('[data-testid="stMarkdownContainer"] strong', has_text="Smelter").first.wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stMarkdownContainer"] code', has_text=cid).count() >= 1
    page.get_by_text("Show the evidence of each hop").click()
    wait_for_app(page)
    shot(page, "trace")
    page.get_by_role("tab", name="Sankey").click()
    page.wait_for_timeout(800)
    shot(page, "trace-sankey")


def test_download_the_flagged_supplier_export(page: Any, explorer: Explorer, demo: DemoStore,
                                              tmp_path: Path) -> None:
    open_page(page, explorer, "exports")
    shot(page, "exports")
    with page.expect_download(timeout=120_000) as info:
        page.locator('[data-testid="stDownloadButton"]').first.get_by_role("button").click()
    target = tmp_path / "flagged.xlsx"
    info.value.save_as(str(target))
    wb = openpyxl.load_workbook(target, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    ids = {r[header.index("Supplier ID")] for r in rows[1:]}
    assert set(demo.manifest.figures()["watchlisted_suppliers"]) <= ids
    cids = {r[header.index("Smelter ID")] for r in rows[1:]}
    assert set(demo.watchlisted()) <= cids


def test_download_the_conflict_minerals_report(page: Any, explorer: Explorer, demo: DemoStore,
                                              tmp_path: Path) -> None:
    from docx import Document

    open_page(page, explorer, "exports")
    card = page.locator('[data-testid="stDownloadButton"]', has_text="Download docx")
    with page.expect_download(timeout=120_000) as info:
        card.first.get_by_role("button").click()
    target = tmp_path / "report.docx"
    info.value.save_as(str(target))
    assert info.value.suggested_filename.endswith(".docx")
    doc = Document(str(target))
    want = demo.manifest.figures()
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"a response rate of {want['response_rate']:.1f} %" in text
    high = next(t for t in doc.tables if t.rows[0].cells[0].text == "Smelter ID")
    assert set(demo.watchlisted()) <= {r.cells[0].text for r in high.rows[1:]}


def test_flagged_paths_are_listed_on_trace(page: Any, explorer: Explorer, demo: DemoStore) -> None:
    open_page(page, explorer, "trace")
    text = main_text(page)
    assert "Flagged paths" in text and "path(s) from" in text
    shot(page, "trace-flagged")


@pytest.mark.parametrize("path", ["exposure", "suppliers", "smelters"])
def test_other_pages_render(page: Any, explorer: Explorer, path: str) -> None:
    open_page(page, explorer, path)
    text = main_text(page)
    assert path.capitalize() in text
    assert "Traceback" not in text and "Error" not in text.split("\n")[0]
    shot(page, path)
    assert (ARTIFACTS / f"{path}.png").stat().st_size > 10_000


def test_follow_up_writes_the_requests(page: Any, explorer: Explorer, demo: DemoStore, tmp_path: Path) -> None:
    from minetrace.queries.template_writer import CmrtSpec, write_cmrt

    blank = write_cmrt(CmrtSpec(), tmp_path / "RMI_CMRT_6.5_blank.xlsx", "6.5")
    open_page(page, explorer, "followup")
    assert "Follow-up" in main_text(page) and "Who to remind" in main_text(page)
    page.locator('[data-testid="stFileUploader"]').first.locator('input[type="file"]').set_input_files(str(blank))
    page.get_by_role("button", name="Write requests").click()
    in_scope = demo.manifest.figures()["in_scope"]
    page.get_by_text(f"request: {in_scope} written").first.wait_for()
    wait_for_app(page)
    text = main_text(page)
    assert "Contacted" in text and "Open mitigation cases" in text
    outbox = sorted((demo.store_dir / "outbox").glob("*-request-*.eml"))
    assert len(outbox) == in_scope
    shot(page, "followup")
