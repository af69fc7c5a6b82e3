"""Smelter risk levels and reasons, worked out by hand against the facts in test_risk_facts.classic_facts().

Reporting year 2016: statuses judged at the filing date 2017-05-31 under the default preset (us-sec-1502),
unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_risk_facts import classic_facts

from minetrace.queries.policy import load_policy
from minetrace.queries.risk import ReferenceFacts, RiskModel


@pytest.fixture
def model() -> RiskModel:
    return RiskModel(classic_facts(), load_policy(), year=2016)


def codes(r):
    return [x.code for x in r.reasons]


def test_dates_follow_the_reporting_year(model):
    assert model.as_of == date(2017, 5, 31)  # statuses are judged at the filing date by default
    assert model.filing_date == date(2017, 5, 31)
    year_end = RiskModel(classic_facts(), load_policy(overrides={"risk": {"statuses_at": "year_end"}}), year=2016)
    assert (year_end.as_of, year_end.filing_date) == (date(2016, 12, 31), date(2017, 5, 31))


def test_watchlisted_smelter_is_high_with_its_evidence(model):
    r = model.rate_cid("CID002587")
    assert r.level == "high"
    assert codes(r)[0] == "watchlist"
    assert "The Sentry 2018" in r.reason_text
    assert "not_conformant" in codes(r)  # the status is shown too
    assert r.flagged


def test_conformant_smelter_in_a_covered_country_is_low_not_high(model):
    r = model.rate_cid("CID001070")
    assert r.level == "low"
    assert codes(r) == ["conformant"]
    assert [n.code for n in r.notes] == ["located_covered_conformant"] and not r.flagged


def test_not_conformant_in_a_covered_country_is_high(model):
    r = model.rate_cid("CID001000")
    assert (r.level, codes(r)) == ("high", ["covered_location", "not_conformant"])


def test_active_elsewhere_is_medium(model):
    r = model.rate_cid("CID000100")
    assert (r.level, codes(r)) == ("medium", ["not_conformant"])
    assert "Active" in r.reason_text


def test_lapsed_conformance_is_medium(model):
    r = model.rate_cid("CID000200")
    assert r.level == "medium"
    assert codes(r) == ["lapsed"]
    assert r.lapses_on == "2016-03-01"
    assert not r.conformant


def test_lapse_before_filing_date_is_a_warning_on_a_low_at_year_end():
    year_end = load_policy(overrides={"risk": {"statuses_at": "year_end"}})
    r = RiskModel(classic_facts(), year_end, year=2016).rate_cid("CID000300")
    assert r.level == "low"
    assert r.lapses_on == "2017-02-01"
    assert any("before the filing date 2017-05-31" in w for w in r.warnings)
    assert [n.code for n in r.notes] == ["conformance_lapses"]


def test_at_the_filing_date_that_conformance_has_lapsed_and_says_so(model):
    r = model.rate_cid("CID000300")
    assert (r.level, codes(r), r.conformant) == ("medium", ["lapsed"], False)
    assert r.status == "Lapsed"  # never "Conformant" beside the reason "conformance lapsed"


def test_member_db_non_conformant_is_high(model):
    r = model.rate_cid("CID000400")
    assert (r.level, codes(r)) == ("high", ["high_state"])


def test_not_a_smelter_is_a_finding_not_a_level(model):
    r = model.rate_cid("CID000500")
    assert r.level is None
    assert [f.code for f in r.findings] == ["not_a_smelter"]


def test_removal_after_the_as_of_date_does_not_count(model):
    # Tony Goetz was removed in 2025: in 2016 it is an operating (watchlisted) refiner
    r = model.rate_cid("CID002587")
    assert r.findings == []
    later = RiskModel(classic_facts(), load_policy(), as_of=date(2026, 1, 1)).rate_cid("CID002587")
    assert later.level == "high"  # the watchlist keeps it high ...
    assert [f.code for f in later.findings] == ["not_operating"]  # ... and the closure is reported


def test_retired_cid_is_followed_to_its_successor(model):
    r = model.rate_cid("CID000600")
    assert (r.cid, r.given_cid, r.level) == ("CID000700", "CID000600", "low")
    assert r.cid_notes and "Alias to CID000700" in r.cid_notes[0]


def test_cahra_location_counts_only_from_its_date():
    facts = classic_facts()
    r = RiskModel(facts, load_policy(), year=2016).rate_cid("CID000800")
    assert (r.level, codes(r)) == ("medium", ["cahra_location", "not_conformant"])  # the SEC rule: medium
    assert r.flagged and "cahra_location" in r.to_json()["flags"]
    eu = RiskModel(facts, load_policy("eu-2017-821"), year=2016).rate_cid("CID000800")
    assert (eu.level, codes(eu)[0]) == ("high", "cahra_location")  # the EU regulation: high
    r2 = RiskModel(facts, load_policy("eu-2017-821"), as_of=date(2016, 3, 1)).rate_cid("CID000800")
    assert (r2.level, codes(r2)) == ("medium", ["not_conformant"])


def test_declared_covered_sourcing_makes_a_non_conformant_smelter_high(model):
    r = model.rate_cid("CID000100", declared_countries=["CD"])
    assert r.level == "high" and codes(r)[0] == "covered_sourcing"
    ok = model.rate_cid("CID000900", declared_countries=["CD"])
    assert ok.level == "low"  # a conformant smelter may source from the DRC


def test_declared_sourcing_rule_can_be_switched_off():
    policy = load_policy(overrides={"risk": {"declared_sourcing_high": False}})
    r = RiskModel(classic_facts(), policy, year=2016).rate_cid("CID000100", declared_countries=["CD"])
    assert r.level == "medium"


def test_policy_watchlist_additions_and_removals():
    add = load_policy(overrides={"risk": {"watchlist": {"extra_cids": ["cid000900"]}}})
    r = RiskModel(classic_facts(), add, year=2016).rate_cid("CID000900")
    assert (r.level, codes(r)[0]) == ("high", "watchlist")
    drop = load_policy(overrides={"risk": {"watchlist": {"ignore_cids": ["CID002587"]}}})
    assert RiskModel(classic_facts(), drop, year=2016).rate_cid("CID002587").level == "medium"


def test_sanctioned_jurisdiction_is_dated():
    policy = load_policy(overrides={"risk": {"sanctioned_jurisdictions": [
        {"iso2": "CN", "metals": ["Gold"], "from": "2016-06-01"}]}})
    assert RiskModel(classic_facts(), policy, year=2016).rate_cid("CID000100").level == "high"
    assert RiskModel(classic_facts(), policy, year=2015).rate_cid("CID000100").level == "medium"


def test_unknown_cid_and_unresolved_rows_are_findings(model):
    r = model.rate_cid("CID999999")
    assert r.level is None and r.findings[0].code == "unknown_cid"
    u = model.rate_smelter({"key": "prov:Gold|acme|CN", "cid": None, "metal": "Gold", "name": "Acme"})
    assert u.level is None and u.findings[0].code == "unresolved"
    n = model.rate_smelter({"key": "prov:x", "cid": None, "metal": "Tin", "name": "Smelter not yet identified",
                            "lookup_kind": "not_yet_identified"})
    assert n.findings[0].code == "not_yet_identified"


def test_rating_json_is_plain(model):
    import json

    data = model.rate_cid("CID002587").to_json()
    json.dumps(data)
    assert {"key", "cid", "level", "reasons", "findings", "warnings", "status", "watchlist", "flagged"} <= set(data)


def test_the_reference_store_satisfies_the_protocol(tmp_path):
    from minetrace.ingest.reference.store import ReferenceStore

    ref = ReferenceStore(tmp_path, load_starter=False)
    try:
        assert isinstance(ref, ReferenceFacts)
        ref.upsert_facility("CID000100", "Gold", "Active China Au", "CN", "CHINA", None, None, "2016-01-01", "t")
        ref.upsert_facility("CID002587", "Gold", "Tony Goetz NV", "BE", "BELGIUM", None, None, "2016-01-01", "t")
        ref.upsert_facility("CID001070", "Tin", "Rwanda Tin", "RW", "RWANDA", None, None, "2016-01-01", "t")
        snap = ref.add_snapshot("RMAP:Conformant", "2016-10-01", "test", None)
        ref.add_status("CID001070", "Tin", "RMAP", "Conformant", "2016-10-01", "test", snap,
                       last_audit="2016-09-01", audit_cycle="1 Year")
        active = ref.add_snapshot("RMAP:Active", "2016-10-01", "test", None)
        ref.add_status("CID000100", "Gold", "RMAP", "Active", "2016-10-01", "test", active)
        ref.add_watch("CID002587", "Gold", "Tony Goetz NV", "BE", "classic-six", "The Sentry", None, "test",
                      "2026-08-22")
        ref.db.commit()
        m = RiskModel(ref, load_policy(), year=2016)
        assert m.rate_cid("CID002587").level == "medium"  # the entry is dated 2026: not watched in 2016
        assert m.rate_cid("CID000100").level == "medium"
        low = m.rate_cid("CID001070")
        assert low.level == "low" and low.lapses_on == "2017-09-01" and low.status_observed_on == "2016-10-01"
        assert m.basis.used and "2016-10-01" in m.basis.text
        assert RiskModel(ref, load_policy(), year=2026).rate_cid("CID002587").level == "high"
        undated = load_policy(overrides={"risk": {"watchlist": {"dated": False}}})
        assert RiskModel(ref, undated, year=2016).rate_cid("CID002587").level == "high"
    finally:
        ref.close()


def test_starter_watchlist_is_dated(tmp_path):
    """With the built-in starter list: the classic six are watched for a 2016 report, the Russian
    refiners (LBMA-suspended 2022) are not — they only become high from 2022."""
    from minetrace.ingest.reference.store import ReferenceStore

    ref = ReferenceStore(tmp_path, load_starter=True)
    try:
        m2016 = RiskModel(ref, load_policy(), year=2016)
        assert m2016.rate_cid("CID002587").level == "high"
        assert m2016.rate_cid("CID002563").level == "high"
        ural = m2016.rate_cid("CID000929")
        assert ural.watchlist == [] and ural.level != "high"
        # 2023 in a store with only the starter facts: no status data — watched, but not rated, never "high"
        bare = RiskModel(ref, load_policy(), year=2023)
        assert bare.basis.notice and "no RMAP status data" in bare.basis.notice
        r = bare.rate_cid("CID000929")
        assert r.level is None and [f.code for f in r.findings] == ["no_status_data"]
        assert r.watchlist and r.flagged and "watchlist" in r.to_json()["flags"]
        snap = ref.add_snapshot("RMAP:Conformant", "2024-01-01", "test", None)
        ref.add_status("CID001875", "Gold", "RMAP", "Conformant", "2024-01-01", "test", snap,
                       last_audit="2023-06-01", audit_cycle="1 Year")
        ref.db.commit()
        rated = RiskModel(ref, load_policy(), year=2023)
        assert rated.basis.notice is None and rated.rate_cid("CID000929").level == "high"
    finally:
        ref.close()
