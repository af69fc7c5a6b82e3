"""The explorer in a real browser on suppliers' hostile text: names with Markdown, HTML and Streamlit directives
are shown as they are written (never rendered, never an element), and a supplier with a newer form held back
says so on its page. Screenshots go to test-artifacts/ (hostile-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import hostile_corpus as hc
import pytest
from browser_support import Explorer, require_chromium, shot, start_chromium, wait_for_app
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.queries.template_writer import CmrtSpec, SmelterSpec, complete_spec, write_cmrt

HOSTILE = "**Bold** <img src=x onerror=alert(1)> :red[Red] [link](http://evil.example) Ltd"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    base = tmp_path_factory.mktemp("hostile-browser")
    files = base / "files"
    files.mkdir()
    (files / "hostile.xlsx").write_bytes(hc.cmrt_bytes(HOSTILE))
    for name, domain, when in (("acme.xlsx", "acme.example", date(2025, 3, 1)),
                               ("acme-new.xlsx", "acme-holding.example", date(2025, 10, 1))):
        spec = complete_spec("Acme Components Ltd.", metals=("Tin",), smelters=[SmelterSpec.listed(hc.KAPPA)],
                             effective_date=when, email_domain=domain)
        write_cmrt(spec, files / name, "6.5", facilities=hc.LOOKUP)
    blank = write_cmrt(CmrtSpec(), base / "blank.xlsx", "6.5", facilities=hc.LOOKUP)
    runner = CliRunner()
    assert runner.invoke(root, ["reference", "import", str(blank), "--store", str(base / "store")]).exit_code == 0
    res = runner.invoke(root, ["ingest", str(files), "--store", str(base / "store")])
    assert res.exit_code == 0, res.stdout + res.stderr
    return base / "store"


@pytest.fixture(scope="module")
def page(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Explorer]]:
    app = Explorer(store, tmp_path_factory.mktemp("logs") / "explorer.log")
    pw, browser = start_chromium()
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg, app
    finally:
        context.close()
        browser.close()
        pw.stop()
        app.stop()


def open_supplier(pg: Any, app: Explorer, name: str) -> str:
    pg.goto(f"{app.url}/suppliers", wait_until="domcontentloaded")
    wait_for_app(pg)
    box = pg.locator('[data-testid="stSelectbox"]').filter(has_text="Open a supplier's page")
    box.click()
    pg.keyboard.type(name[:12])
    pg.keyboard.press("Enter")
    wait_for_app(pg)
    pg.get_by_text("Declarations across years").wait_for()
    return pg.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")  # the word joiner against links


def test_supplier_text_is_shown_never_rendered(page: tuple[Any, Explorer]) -> None:
    pg, app = page
    alerts: list[str] = []
    pg.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    text = open_supplier(pg, app, HOSTILE)
    shot(pg, "hostile-supplier")
    assert "**Bold** <img src=x onerror=alert(1)> :red[Red] [link](http://evil.example) Ltd" in text
    main = pg.locator('[data-testid="stMain"]')
    assert main.locator("img[src='x']").count() == 0 and main.locator("a[href='http://evil.example']").count() == 0
    assert main.locator('[data-testid="stHeading"] strong').count() == 0
    assert alerts == []


def test_a_newer_form_held_back_is_shown_on_its_supplier(page: tuple[Any, Explorer]) -> None:
    pg, app = page
    text = open_supplier(pg, app, "Acme Components")
    shot(pg, "hostile-pending")
    assert "Newer form pending: acme-new.xlsx (valid)" in text
    assert "acme-holding.example differs from the supplier's acme.example" in text
