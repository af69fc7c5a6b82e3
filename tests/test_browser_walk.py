"""A new analyst's walk in a real browser (Debian's Chromium, Playwright): every page and every kind of deep link of
the store `make demo` builds, at 1600×1200, each saved as a screenshot in test-artifacts/walk-*.png (look at them),
with the browser's request log: the explorer works offline, so any request that leaves the machine fails the test
(a favicon from a font CDN, a map from a tile server, telemetry). No page may show an exception element. Then the
same pages of a store built from every real and invalid workbook in ../shared, master list imported after the forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from browser_support import ARTIFACTS, Explorer, require_chromium, start_chromium
from walk_support import PAGES, build_demo, build_real, deep_links

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
VIEWPORT = {"width": 1600, "height": 1200}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def wait_done(page: Any, timeout: float = 120_000) -> None:
    """Streamlit finished the run (the end-of-run marker main.py writes) — or stopped on an exception element."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => { if (document.querySelector('[data-testid="stException"]')) return true;
                   const m = document.querySelector('#mt-ready');
                   if (!m || m.closest('[data-stale="true"]')) return false;
                   const s = document.querySelector('[data-testid="stStatusWidget"]');
                   if (s && /Running/i.test(s.innerText)) return false;
                   return !document.querySelector('[data-testid="stSkeleton"]'); }""", timeout=timeout)
    page.wait_for_timeout(600)


class Walk:
    """One explorer and one browser page recording every request."""

    def __init__(self, store: Path, log: Path, browser: Any) -> None:
        self.explorer = Explorer(store, log)
        try:
            self.context = browser.new_context(viewport=VIEWPORT)
        except Exception:  # never leave the explorer process behind
            self.explorer.stop()
            raise
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))

    def visit(self, path: str, shot: str) -> str:
        self.page.goto(f"{self.explorer.url}/{path}", wait_until="domcontentloaded")
        wait_done(self.page)
        errors = self.page.locator('[data-testid="stException"]')
        assert errors.count() == 0, f"{path}: {errors.first.inner_text()[:2000]}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def leaving(self) -> list[str]:
        """Requests to anywhere but the explorer's own host (data: and blob: URLs stay in the browser)."""
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return sorted(set(out))

    def close(self) -> None:
        self.context.close()
        self.explorer.stop()


def shot_name(prefix: str, path: str) -> str:
    return f"{prefix}-" + (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "overview")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module (Playwright's sync API runs one instance at a time)."""
    require_chromium()
    pw, chromium = start_chromium()
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


@pytest.fixture(scope="module")
def demo_walk(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    folder = tmp_path_factory.mktemp("walk-demo")
    walk = Walk(build_demo(folder), folder / "explorer.log", browser)
    try:
        yield walk
    finally:
        walk.close()


def test_every_page_of_the_demo_in_chromium_stays_on_the_machine(demo_walk: Walk) -> None:
    for path, title in PAGES:
        text = demo_walk.visit(path, shot_name("walk", path))
        assert title in text and "Reporting year" in text
    overview = demo_walk.visit("", "walk-overview")
    # supplier counts and a link to each trace (the table itself is drawn on a canvas: AppTest reads its cells)
    assert "High-risk smelters" in overview and "Trace opens the paths to it" in overview
    assert demo_walk.leaving() == [], "requests left the machine"


def test_every_kind_of_deep_link_of_the_demo(demo_walk: Walk) -> None:
    links = deep_links(demo_walk.explorer.store)
    assert any("country=" in link for link in links) and any("smelter=prov" in link for link in links)
    for link in links:
        text = demo_walk.visit(link, shot_name("walk", link))
        assert "Smelters" in text and "Suppliers" in text, link
        assert " nan" not in text and "LookupError" not in text, link
        if demo_walk.page.get_by_role("tab", name="Sankey").count():
            demo_walk.page.get_by_role("tab", name="Sankey").click()
            demo_walk.page.wait_for_timeout(800)
            demo_walk.page.screenshot(path=str(ARTIFACTS / f"{shot_name('walk', link)}-sankey.png"), full_page=True)
            legend = demo_walk.page.locator(".js-plotly-plot").nth(1).inner_text()
            assert "High risk" in legend and "Not rated" in legend, link  # the Sankey's colour legend
    assert demo_walk.leaving() == [], "requests left the machine"


def test_the_real_files_walk(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    from conftest import shared_path

    folder = tmp_path_factory.mktemp("walk-real")
    walk = Walk(build_real(folder, shared_path()), folder / "explorer.log", browser)
    try:
        overview = walk.visit("", "walk-real-overview")
        # the master list came after the forms: the responses count, and the one linked by a name proposal waits
        assert "Responders to link" in overview and "EMD Electronics" in overview
        for path, _title in PAGES[1:]:
            walk.visit(path, shot_name("walk-real", path))
        for link in deep_links(walk.explorer.store):
            walk.visit(link, shot_name("walk-real", link))
        assert walk.leaving() == [], "requests left the machine"
    finally:
        walk.close()
