"""The campaign year: the CLI and the explorer open on the newest reporting year with forms — not the year with the
most forms — and say so at the top; a form with no effective date (or one in the future, which would open a year of
its own) is filed under the campaign year given at ingest, or under no year and flagged (never under today's date,
which would move every judgement date), and ingesting it again with --year files it."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.queries.template_writer import SmelterSpec, complete_spec, write_cmrt


def cli(*args: str) -> str:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def form(folder: Path, company: str, effective: date | None) -> Path:
    from minetrace.app.synthetic.workbooks import starter_facilities

    facs = {f.cid: f for f in starter_facilities()}
    spec = complete_spec(company, metals=("Gold",), smelters=[SmelterSpec.listed(facs["CID002587"])],
                         effective_date=effective or date(2025, 1, 1))
    spec.company["effective_date"] = effective
    return write_cmrt(spec, folder / f"{company.replace(' ', '_')}.xlsx", facilities=list(facs.values()))


@pytest.fixture
def two_years(tmp_path: Path) -> str:
    """Three forms in 2014 (the busiest year), one in 2016 (the newest)."""
    folder = tmp_path / "forms"
    folder.mkdir()
    for name in ("Alpha Metals", "Beta Metals", "Gamma Metals"):
        form(folder, name, date(2014, 5, 1))
    form(folder, "Delta Metals", date(2016, 5, 1))
    store = str(tmp_path / "store")
    cli("ingest", str(folder), "--store", store)
    return store


def test_the_cli_defaults_to_the_newest_year_with_forms(two_years: str) -> None:
    doc = json.loads(cli("risk", "suppliers", "--store", two_years, "--json"))
    assert (doc["year"], doc["year_basis"]) == (2016, "newest_with_forms")
    assert [s["supplier_id"] for s in doc["suppliers"] if s["latest_file"]] == ["decl:delta metals"]
    assert "year 2016 (the newest reporting year with forms" in cli("risk", "suppliers", "--store", two_years)
    old = json.loads(cli("risk", "suppliers", "--store", two_years, "--year", "2014", "--json"))
    assert (old["year"], old["year_basis"], len([s for s in old["suppliers"] if s["latest_file"]])) == (2014,
                                                                                                   "given", 3)


def test_the_explorer_opens_on_the_newest_year_and_says_so(two_years: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINETRACE_STORE", two_years)
    at = AppTest.from_string("from app.explorer import views\nviews.sidebar()\nviews.year_banner()\n",
                             default_timeout=60).run()
    assert not at.exception
    assert at.sidebar.selectbox[0].value == 2016
    assert any("Reporting year **2016** — the newest reporting year with forms (also on file: 2014)" in c.value
               for c in at.caption)


def test_an_undated_form_is_filed_under_no_year_flagged_and_filed_again_with_year(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    undated = form(folder, "Undated Metals", None)
    store = str(tmp_path / "store")
    doc = json.loads(cli("ingest", str(undated), "--store", store, "--json"))
    (f,) = doc["files"]
    assert (f["reporting_year"], f["year_source"]) == (None, "unfiled")
    assert date.today().year not in json.loads(cli("store", "info", "--store", store, "--json"))["years"]
    findings = json.loads(cli("parse", str(undated), "--json"))["findings"]
    assert "reporting_year_unknown" not in {x["code"] for x in findings}  # a store rule, not a template rule
    from minetrace.graph.open import open_store

    st = open_store(store)
    try:
        stored = st.declaration(f["sha256"])
        assert stored is not None and stored.reporting_year is None
        codes = {x["code"] for x in json.loads(stored.findings_json)}
        assert "reporting_year_unknown" in codes  # flagged for the analyst, with the command that files it
    finally:
        st.close()
    text = " ".join(CliRunner().invoke(root, ["ingest", str(undated), "--store", store]).stdout.split())
    assert "already stored" in text
    doc = json.loads(cli("ingest", str(undated), "--store", store, "--year", "2016", "--json"))
    (f,) = doc["files"]
    assert (f["outcome"], f["reporting_year"], f["year_source"]) == ("invalid_stored", 2016, "option")
    assert "filed under 2016" in f["message"]
    assert json.loads(cli("store", "info", "--store", store, "--json"))["years"] == [2016]
    # the campaign year given at ingest files an undated form at once
    other = form(folder, "Other Undated", None)
    doc = json.loads(cli("ingest", str(other), "--store", store, "--year", "2016", "--json"))
    assert doc["files"][0]["reporting_year"] == 2016
    assert os.path.exists(store)


def test_an_unfiled_form_sent_twice_in_one_batch_with_year_is_filed_once(tmp_path: Path) -> None:
    """The batch decides before reading which files it refiles; a second copy of the same bytes in the batch is a
    duplicate of the form just filed, not a second refiling."""
    folder = tmp_path / "forms"
    folder.mkdir()
    undated = form(folder, "Twice Undated", None)
    store = str(tmp_path / "store")
    json.loads(cli("ingest", str(undated), "--store", store, "--json"))
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a.xlsx").write_bytes(undated.read_bytes())
    (batch / "b.xlsx").write_bytes(undated.read_bytes())
    doc = json.loads(cli("ingest", str(batch), "--store", store, "--year", "2016", "--json"))
    a, b = sorted(doc["files"], key=lambda f: f["name"])
    assert (a["outcome"], a["reporting_year"]) == ("invalid_stored", 2016) and "filed under 2016" in a["message"]
    assert b["outcome"] == "duplicate" and b["reporting_year"] == 2016 and "already stored" in b["message"]
    assert json.loads(cli("store", "info", "--store", store, "--json"))["years"] == [2016]


def test_a_future_dated_form_opens_no_year_of_its_own(two_years: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A supplier's effective date in the future (a typo: 2062 for 2026) is not a reporting year: the form is
    filed under no year, flagged with the date and the command that files it, and the CLI still opens on the
    newest year of the other forms; --year files it."""
    folder = tmp_path / "ahead"
    folder.mkdir()
    ahead = date(date.today().year + 2, 3, 1)
    typo = form(folder, "Ahead Metals", ahead)
    assert "effective_date_future" in {x["code"] for x in json.loads(cli("parse", str(typo), "--json"))["findings"]}
    (f,) = json.loads(cli("ingest", str(typo), "--store", two_years, "--json"))["files"]
    assert (f["outcome"], f["reporting_year"], f["year_source"]) == ("new", None, "unfiled")
    assert f["effective_date"] == ahead.isoformat()
    # the ingest table says why, not "no effective date"
    later = form(folder, "Later Metals", date(date.today().year + 3, 1, 15))
    text = " ".join(CliRunner().invoke(root, ["ingest", str(later), "--store", two_years],
                                       env={"COLUMNS": "400"}).stdout.split())
    assert f"effective date {date.today().year + 3}-01-15 is in the future: filed under no reporting year" in text
    assert json.loads(cli("store", "info", "--store", two_years, "--json"))["years"] == [2014, 2016]
    doc = json.loads(cli("risk", "suppliers", "--store", two_years, "--json"))
    assert (doc["year"], doc["year_basis"]) == (2016, "newest_with_forms")
    from minetrace.graph.open import open_store

    st = open_store(two_years)
    try:
        stored = st.declaration(f["sha256"])
        assert stored is not None and stored.reporting_year is None
        (note,) = [x["message"] for x in json.loads(stored.findings_json) if x["code"] == "reporting_year_unknown"]
        assert f"effective date {ahead.isoformat()} is in the future" in note and "--year YYYY" in note
    finally:
        st.close()
    (f,) = json.loads(cli("ingest", str(typo), "--store", two_years, "--year", "2016", "--json"))["files"]
    assert (f["reporting_year"], f["year_source"]) == (2016, "option") and "filed under 2016" in f["message"]
    assert json.loads(cli("store", "info", "--store", two_years, "--json"))["years"] == [2014, 2016]
    # the explorer opens on 2016 too, and its banner says why a form is under no year
    monkeypatch.setenv("MINETRACE_STORE", two_years)
    at = AppTest.from_string("from app.explorer import views\nviews.sidebar()\nviews.year_banner()\n",
                             default_timeout=60).run()
    assert not at.exception and at.sidebar.selectbox[0].value == 2016
    assert any("1 form(s) filed under no reporting year (no effective date, or one in the future): Validation "
               "lists them (Status: no year)" in c.value for c in at.caption)
    # ...and Validation's "no year" lists exactly that form
    page = AppTest.from_string("from app.explorer import views\nfrom app.explorer.screens import validation\n"
                               "views.sidebar()\nvalidation.render()\n", default_timeout=60)
    page.session_state["val_status"] = "no year"
    page.run()
    assert not page.exception
    (shown,) = [df.value for df in page.dataframe if getattr(df, "key", None) == "val_files"]
    assert shown["File"].tolist() == [later.name]
