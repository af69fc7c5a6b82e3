"""The explorer's Follow-up page (Streamlit AppTest) on a store built by the real ingest of generated CMRTs,
after `minetrace survey request` ran through the CLI: the funnel with real contact dates, who to remind,
the buttons that write receipts and reminders and send the outbox to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser_support import DemoStore
from smtp_support import smtp_server
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.queries.template_writer import CmrtSpec, write_cmrt

PAGE = """
from minetrace.app.explorer import views
from minetrace.app.explorer.screens import followup
views.sidebar()
followup.render()
"""
REQUESTED = date.today() - timedelta(days=30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStore]:
    demo = DemoStore(tmp_path_factory.mktemp("followup"))
    blank = write_cmrt(CmrtSpec(), demo.folder / "blank.xlsx", "6.5")
    res = CliRunner().invoke(root, ["survey", "request", "--year", str(demo.year), "--template", str(blank),
                                    "--date", REQUESTED.isoformat(), "--store", str(demo.store_dir)])
    assert res.exit_code == 0, res.output
    old = os.environ.get("MINETRACE_STORE")
    os.environ["MINETRACE_STORE"] = str(demo.store_dir)
    try:
        yield demo
    finally:
        if old is None:
            os.environ.pop("MINETRACE_STORE", None)
        else:
            os.environ["MINETRACE_STORE"] = old


def run_page(demo: DemoStore) -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.session_state["year"] = demo.year
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table(at: AppTest, columns: set[str]):  # noqa: ANN201 - a DataFrame
    found = [df.value for df in at.dataframe if columns <= set(df.value.columns)]
    assert found, f"no table with {columns}"
    return found[0]


def status(demo: DemoStore) -> dict:
    res = CliRunner().invoke(root, ["survey", "status", "--year", str(demo.year), "--json", "--store",
                                    str(demo.store_dir)])
    return json.loads(res.stdout)


def test_follow_up_page_campaign(demo: DemoStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    st = status(demo)
    fig = st["figures"]
    at = run_page(demo)
    assert metric(at, "Contacted") == str(fig["contacted"]) and metric(at, "Responded") == str(fig["responded"])
    assert metric(at, "Median days to respond") == str((date.today() - REQUESTED).days)
    assert len(at.get("plotly_chart")) == 2
    waiting = {r["supplier_id"] for r in st["suppliers"] if r["in_scope"] and r["status"] in
               ("contacted", "responded_invalid")}
    assert waiting, "the demo program has suppliers owing a valid form"
    plan = table(at, {"Supplier ID", "Action", "Why"})
    assert set(plan[plan["Action"] == "reminder 1"]["Supplier ID"]) == waiting
    # reminders: written once, then nobody is due today
    at.button(key="followup_write_remind").click().run()
    assert any(f"remind: {len(waiting)} written" in s.value for s in at.success)
    plan = table(at, {"Supplier ID", "Action", "Why"})
    assert not (plan["Action"].astype(str).str.startswith("reminder")).any()
    assert set(plan[plan["Action"] == "not due yet"]["Supplier ID"]) == waiting
    # receipts for every stored form, and the cases they open
    decls = demo.report.counts()["new"] + demo.report.counts()["invalid_stored"]
    at.button(key="followup_write_receipts").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"receipts: {decls} written" in s.value for s in at.success), [s.value for s in at.success]
    receipts = table(at, {"File", "High-risk smelters", "State"})
    assert len(receipts) == decls and set(receipts["State"]) == {"written"}
    cases = table(at, {"Smelter ID", "Supplier ID", "State", "Proposal"})
    for cid, suppliers in demo.watchlisted().items():
        assert set(suppliers) <= set(cases[cases["Smelter ID"] == cid]["Supplier ID"]), cid
    # the outbox goes out through a real SMTP server
    with smtp_server() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        at = run_page(demo)
        pending = len(receipts) + len(waiting) + fig["contacted"]
        assert at.button(key="followup_send_pending").label == f"Send {pending} pending message(s)"
        at.button(key="followup_send_pending").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(server.sink.received) == pending
        assert any(f"{pending} sent, 0 failed" in s.value for s in at.success)
    assert metric(at, "Messages not sent") == "0"
