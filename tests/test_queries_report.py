"""Report appendix spelling: every facility location of the 2016 report's Appendix A round-trips
through ISO codes to the same text (read from ../shared, never copied)."""

from __future__ import annotations

import csv

from conftest import shared_path

from minetrace.graph.countries import to_iso2
from minetrace.queries.report import country_label


def test_appendix_locations_round_trip_to_the_2016_spelling():
    path = shared_path("reference", "report-2016", "appendix_a_2016.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        locations = {r["facility_location"] for r in csv.DictReader(fh)}
    assert len(locations) > 40
    wrong = {(loc, to_iso2(loc), country_label(to_iso2(loc))) for loc in locations
             if country_label(to_iso2(loc)) != loc}
    assert wrong == set()


def test_country_label_fallbacks():
    assert country_label("US") == "UNITED STATES" and country_label("cd") == "CONGO, DEMOCRATIC REPUBLIC OF THE"
    assert country_label("JP") == "JAPAN" and country_label(None) is None and country_label("XX") == "XX"


def test_appendix_leaves_out_entries_rmi_removed_as_not_a_smelter(tmp_path):
    from datetime import date

    from test_risk_facts import classic_facts

    from minetrace.app.synthetic.graph_program import declaration
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.store import SupplierRecord
    from minetrace.ingest.records import Resolution, SmelterRow
    from minetrace.queries.policy import load_policy
    from minetrace.queries.report import appendix
    from minetrace.queries.risk import RiskModel

    st = EmbeddedStore(tmp_path / "s")
    try:
        rows = [SmelterRow(row=5, metal="Gold", name="Not A Smelter Au", lookup_kind="listed", cid="CID000500",
                           country_code="US"),
                SmelterRow(row=6, metal="Tin", name="Conformant China Tin", lookup_kind="listed", cid="CID000900",
                           country_code="CN")]
        res = [Resolution("resolved", "CID000500", "cid", 100.0, metal="Gold", country_iso2="US"),
               Resolution("resolved", "CID000900", "cid", 100.0, metal="Tin", country_iso2="CN")]
        st.ingest_declaration(declaration("A Ltd", rows, effective=date(2017, 1, 5)), res,
                              SupplierRecord("A", "A Ltd"), 2016)
        app = appendix(st, RiskModel(classic_facts(), load_policy(), year=2016), 2016)
        assert [r["cid"] for r in app.rows] == ["CID000900"]
        assert app.counts["excluded_not_a_smelter"] == 1 and app.counts["smelters_validated"] == 1
    finally:
        st.close()


def test_exposure_chain_cache_follows_store_writes(tmp_path):
    from datetime import date

    from minetrace.app.synthetic.graph_program import declaration
    from minetrace.graph.embedded import EmbeddedStore
    from minetrace.graph.store import SupplierRecord
    from minetrace.ingest.records import Resolution, SmelterRow
    from minetrace.queries.exposure import cid_exposure

    def put(st, sid, parent=None):
        row = SmelterRow(row=5, metal="Tin", name="T", lookup_kind="listed", cid="CID000900", country_code="CN")
        res = Resolution("resolved", "CID000900", "cid", 100.0, metal="Tin", country_iso2="CN")
        st.ingest_declaration(declaration(f"{sid} Ltd", [row], effective=date(2017, 1, 5), tag=sid), [res],
                              SupplierRecord(sid, f"{sid} Ltd"), 2016, parent_supplier_id=parent)

    st = EmbeddedStore(tmp_path / "s")
    try:
        put(st, "A")
        first = cid_exposure(st, ["CID000900"])[0]
        assert [s["paths"] for s in first.suppliers] == [[[st.company_id, "A"]]]
        put(st, "B", parent="A")
        again = cid_exposure(st, ["CID000900"])[0]
        assert [s["paths"] for s in again.suppliers] == [[[st.company_id, "A"]], [[st.company_id, "A", "B"]]]
    finally:
        st.close()
