"""Fixtures for the browser tests: one explorer process per test session on a free port, and a Chromium.

Why here: Streamlit start-up is slow on small machines, so the explorer is started once per session
against a store built by the real ingest of generated CMRTs, and every test shares it. The browser is
Debian's /usr/bin/chromium driven by Playwright — never a downloaded browser build (`playwright install`
is not used). Outside CI a missing Chromium skips with a message; under CI=true it fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
START_TIMEOUT = 120.0


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (install Debian's chromium: scripts/ensure-system-deps.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[Any], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"explorer exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"explorer not healthy at {url} after {timeout:.0f} s")


class Explorer:
    """A running explorer: its URL, store folder and log file."""

    def __init__(self, store: Path, log: Path, password_env: str | None = None) -> None:
        from minetrace.app.cli_app import explorer_env, streamlit_command

        self.store = store
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = explorer_env(str(store), password_env)
        self._log_fh = log.open("w")
        self.proc = subprocess.Popen(streamlit_command(str(store), self.port, "127.0.0.1", password_env), env=env,
                                     stdout=self._log_fh, stderr=subprocess.STDOUT, cwd=str(ROOT))
        try:
            wait_healthy(self.url, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"explorer did not start; log:\n{log.read_text()[-3000:]}") from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_fh.close()


def start_chromium() -> tuple[Any, Any]:
    """(playwright, browser) — the caller stops both."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    return pw, browser


def wait_for_app(page: Any, timeout: float = 90_000) -> None:
    """Wait until Streamlit has finished running the script: the end-of-run marker (#mt-ready, written by
    main.py) is present and not stale, and no element is still a loading skeleton."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        """() => { const m = document.querySelector('#mt-ready');
                   if (!m || m.closest('[data-stale="true"]')) return false;
                   const s = document.querySelector('[data-testid="stStatusWidget"]');
                   if (s && /Running/i.test(s.innerText)) return false;
                   return !document.querySelector('[data-testid="stSkeleton"]'); }""", timeout=timeout)
    page.wait_for_timeout(500)


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    require_chromium()
    pw, browser = start_chromium()
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


def python() -> str:
    return sys.executable


class DemoStore:
    """A store built by the real ingest of a generated program (master list + CMRTs), and its manifest."""

    def __init__(self, folder: Path, n_suppliers: int = 12, seed: int = 7, status_lists: bool = True) -> None:
        from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
        from minetrace.graph.ingest import ingest_paths
        from minetrace.graph.open import open_store
        from minetrace.graph.resolving import default_resolver

        self.folder = folder
        self.program_dir = folder / "program"
        self.store_dir = folder / "store"
        self.manifest = generate_program(self.program_dir, n_suppliers, seed=seed, facilities=starter_facilities(),
                                         watchlist=starter_watchlist(), master_list=True, watchlist_share=0.3,
                                         invalid_share=0.2, out_of_scope_share=0.1)
        store = open_store(str(self.store_dir))
        resolver, _ = default_resolver(str(self.store_dir))
        self.report = ingest_paths([self.program_dir / "cmrt"], store, resolver=resolver,
                                   supplier_map=self.program_dir / "suppliers.csv",
                                   year=int(self.manifest.reference_date[:4]))  # one campaign, as `ingest --year`
        self.years = store.years()
        store.close()
        if status_lists:
            self.import_status_lists()

    def import_status_lists(self) -> None:
        """RMAP status lists as a user imports RMI's exports (tests/status_support.py): high, medium and low
        smelters in the store."""
        from status_support import import_status_lists

        import_status_lists(self.store_dir, self.folder / "reference", int(self.manifest.reference_date[:4]))

    @property
    def year(self) -> int:
        return max(self.years)

    def watchlisted(self) -> dict[str, list[str]]:
        """watchlisted CID → supplier ids that wrote it (from the generator's manifest)."""
        out: dict[str, list[str]] = {}
        for s in self.manifest.suppliers:
            for cid in s.watchlisted:
                out.setdefault(cid, []).append(s.supplier_id)
        return out

    def cmrt_files(self) -> list[Path]:
        return sorted((self.program_dir / "cmrt").glob("*.xlsx"))
