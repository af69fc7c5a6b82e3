"""Resolution on old and messy rows: every kind of case the resolver must handle, each with a negative.

A made-up RMI-shaped store (CSV export + revision history): a tantalum group split into a US and a Japanese
plant, a renamed refiner, a smelter whose name carries its acronym, a group with one tin plant, two plants of
one gold group in different countries, a split whose successors share a country. Rows are what 2.x and
6.x supplier files hold: old-style IDs, typed names with typos, acronyms, legal forms, location suffixes,
full-width punctuation.
"""

from __future__ import annotations

import pytest

from minetrace.ingest.records import SmelterRow
from minetrace.ingest.reference import ReferenceStore, import_file
from minetrace.ingest.reference.old_ids import parse_old_id
from minetrace.ingest.resolve import Resolver

REFERENCE = """Metal,Smelter Reference,Standard Smelter Name,Country,Smelter ID,City,State Province
Tantalum,Borealis Tantal Boyertown,Borealis Tantal Boyertown,UNITED STATES OF AMERICA,CID902557,Boyertown,Pennsylvania
Tantalum,Borealis Tantal Aizu,Borealis Tantal Aizu,JAPAN,CID902558,Aizuwakamatsu,Fukushima
Tin,Kelantan Smelting Corporation (KSC),Kelantan Smelting Corporation (KSC),MALAYSIA,CID901105,Butterworth,Pulau Pinang
Tin,Hoshino Materials Corporation,Hoshino Materials Corporation,JAPAN,CID901190,Asago,Hyogo
Gold,Hoshino Materials Corporation,Hoshino Materials Corporation,JAPAN,CID901191,Naoshima,Kagawa
Gold,Sakura Kikinzoku Kogyo K.K.,Sakura Kikinzoku Kogyo K.K.,JAPAN,CID901875,Hiratsuka,Kanagawa
Gold,Midori Metal Mining Co. Ltd.,Midori Metal Mining Co. Ltd.,JAPAN,CID901798,Niihama,Ehime
Gold,Veltra Precious Metals GmbH,Veltra Precious Metals GmbH,GERMANY,CID900711,Hanau,Hessen
Gold,Veltra Metals Hong Kong Ltd.,Veltra Metals Hong Kong Ltd.,HONG KONG,CID900707,Fanling,New Territories
Gold,Nordvik Refining Corporation,Nordvik Refining Corporation,CANADA,CID900185,Montreal,Quebec
Tungsten,Ostwald Wolfram GmbH,Ostwald Wolfram GmbH,GERMANY,CID902541,Goslar,Niedersachsen
Tungsten,Ostwald Smelting GmbH & Co. KG,Ostwald Smelting GmbH & Co. KG,GERMANY,CID902542,Laufenburg,Baden-Wurttemberg
Tungsten,Ostwald Nui Chemicals,Ostwald Nui Chemicals,VIET NAM,CID902543,Dai Tu,Thai Nguyen
"""
REVISIONS = (
    "Metal,Smelter ID,Standard Smelter Name,Country,Basis for Revision,Details,Revision Date,Smelter Added Date\n"
    "Tantalum,CID900564,Borealis Tantal Group,UNITED STATES,Removed,"
    "\"Facility-level reporting, see Smelter IDs: CID902558; CID902557\",2014-11-07,\n"
    "Tungsten,CID900683,Ostwald GmbH,GERMANY,Removed,"
    "\"Facility-level reporting, see Smelter IDs: CID902541; CID902542; CID902543\",2014-11-07,\n"
    "Gold,CID900185,Xanthe Canada Corporation,CANADA,Name correction,Name changed to reflect legal entity,2015-06-12,\n"
    "Gold,CID900185,Nordvik Refining Corporation,CANADA,Name correction,Name changed to reflect legal entity,"
    "2020-06-12,\n"
)


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("facts")
    store = ReferenceStore(tmp / "store")
    (tmp / "ref_2026-08-22.csv").write_text(REFERENCE, encoding="utf-8")
    (tmp / "rev_2026-08-22.csv").write_text(REVISIONS, encoding="utf-8")
    import_file(store, tmp / "ref_2026-08-22.csv")
    import_file(store, tmp / "rev_2026-08-22.csv")
    yield Resolver(store, decisions=tmp / "decisions.yaml")
    store.close()


def row(metal, name=None, country=None, cid=None, lookup=None, city=None, kind="not_listed"):
    return SmelterRow(row=9, metal=metal, lookup=lookup or "Smelter not listed", lookup_kind=kind, name=name,
                      country=country, cid=cid, city=city)


def test_old_ids_state_metal_and_country():
    assert parse_old_id("3USA005").metal == "Tantalum" and parse_old_id("3USA005").iso2 == "US"
    assert parse_old_id("1HKG019").iso2 == "HK" and parse_old_id("1CDN123") is None


# ---- an old ID's own facts
def test_old_id_country_picks_the_plant_of_a_split_group(resolver):
    r = resolver.resolve(row("Tantalum", "Borealis Tantal Group", cid="3USA005"))
    assert (r.status, r.cid) == ("resolved", "CID902557")
    assert any("split" in why for why in r.reasons) and any("country agrees" in why for why in r.reasons)


def test_old_id_country_contradicting_the_only_match_is_not_accepted(resolver):
    r = resolver.resolve(row("Tantalum", "Borealis Tantal Aizu", cid="3USA005"))
    assert r.status != "resolved"
    assert any("contradicts" in why for c in r.candidates for why in c.reasons)


def test_old_id_of_another_metal_is_set_aside_with_a_finding(resolver):
    r = resolver.resolve(row("Tantalum", "Borealis Tantal Boyertown", cid="1JPN005"))
    assert (r.status, r.cid) == ("resolved", "CID902557")
    assert "old_id_metal_mismatch" in [f.code for f in r.findings]


# ---- splits
def test_split_without_a_country_goes_to_review_listing_the_plants(resolver):
    r = resolver.resolve(row("Tantalum", "Borealis Tantal Group"))
    assert r.status == "review" and {c.cid for c in r.candidates} == {"CID902557", "CID902558"}


def test_split_with_two_plants_in_the_row_country_goes_to_review_unless_the_city_says(resolver):
    r = resolver.resolve(row("Tungsten", "Ostwald GmbH", country="GERMANY"))
    assert r.status == "review" and {c.cid for c in r.candidates} == {"CID902541", "CID902542"}
    r = resolver.resolve(row("Tungsten", "Ostwald GmbH", country="GERMANY", city="Goslar"))
    assert (r.status, r.cid) == ("resolved", "CID902541")


# ---- names as people type them
@pytest.mark.parametrize("typed", ["KSC", "K.S.C."])
def test_acronym_written_in_an_alias(resolver, typed):
    r = resolver.resolve(row("Tin", typed, country="MALAYSIA"))
    assert (r.status, r.cid, r.method) == ("resolved", "CID901105", "acronym")


def test_acronym_of_another_country_is_not_accepted(resolver):
    assert resolver.resolve(row("Tin", "KSC", country="JAPAN")).status != "resolved"


@pytest.mark.parametrize("typed", ["Kelantan Smelting Corp.", "Kelantan Smelting Corporation Berhad",
                                   "KELANTAN SMELTING CO., LTD."])
def test_legal_forms_and_their_spellings(resolver, typed):
    r = resolver.resolve(row("Tin", typed, country="MALAYSIA"))
    assert (r.status, r.cid) == ("resolved", "CID901105")


def test_group_name_with_one_plant_for_the_metal(resolver):
    r = resolver.resolve(row("Tin", "Hoshino", country="JAPAN"))
    assert (r.status, r.cid) == ("resolved", "CID901190")  # the group's only tin plant (its gold one is another)


def test_group_name_with_plants_in_two_countries_needs_the_country(resolver):
    assert resolver.resolve(row("Gold", "Veltra")).status == "review"
    r = resolver.resolve(row("Gold", "Veltra", country="GERMANY"))
    assert (r.status, r.cid) == ("resolved", "CID900711")
    r = resolver.resolve(row("Gold", "Veltra", country="CHINA"))  # RMI files Hong Kong refiners under CN and HK
    assert (r.status, r.cid) == ("resolved", "CID900707")


def test_old_name_of_a_renamed_company_from_the_revision_history(resolver):
    r = resolver.resolve(row("Gold", "Xanthe Canada Corporation", country="CANADA"))
    assert (r.status, r.cid) == ("resolved", "CID900185")


@pytest.mark.parametrize("typed", ["Sakura Kikinnzoku Kougyou", "Midori Metal Minning Co.", "Midori Metal Mnining"])
def test_romanisation_and_typos(resolver, typed):
    r = resolver.resolve(row("Gold", typed, country="JAPAN"))
    assert r.status == "resolved" and r.cid in ("CID901875", "CID901798") and r.reasons


def test_typos_are_gated_by_country(resolver):
    r = resolver.resolve(row("Gold", "Midori Metal Mnining", country="BRAZIL"))
    assert r.status != "resolved"


def test_location_suffix_and_full_width_punctuation(resolver):
    r = resolver.resolve(row("Gold", "Hoshino Materials Corporation (Naoshima)", country="JAPAN"))
    assert (r.status, r.cid) == ("resolved", "CID901191")
    typed = "ＳＡＫＵＲＡ　ＫＩＫＩＮＺＯＫＵ　ＫＯＧＹＯ（Ｈｉｒａｔｓｕｋａ）"  # as a Japanese input method types it
    r = resolver.resolve(row("Gold", typed, country="JAPAN"))
    assert (r.status, r.cid) == ("resolved", "CID901875")


def test_country_written_in_the_name_weighs_when_the_row_has_none(resolver):
    r = resolver.resolve(row("Gold", "Veltra Hong Kong"))
    assert (r.status, r.cid) == ("resolved", "CID900707")
    assert resolver.resolve(row("Gold", "Veltra Brazil")).status != "resolved"


# ---- contradictions
def test_exact_alias_in_another_country_is_never_accepted(resolver):
    r = resolver.resolve(row("Gold", "Sakura Kikinzoku Kogyo K.K.", country="GERMANY"))
    assert r.status == "review" and r.cid is None
    assert r.candidates[0].cid == "CID901875" and any("contradicts" in w for w in r.candidates[0].reasons)


def test_cid_whose_facility_is_elsewhere_needs_the_name_to_agree(resolver):
    r = resolver.resolve(row("Gold", "Sakura Kikinzoku", country="GERMANY", cid="CID901875"))
    assert (r.status, r.cid) == ("resolved", "CID901875")
    assert "cid_country_mismatch" in [f.code for f in r.findings]
    r = resolver.resolve(row("Gold", "Somebody Else Refining", country="GERMANY", cid="CID901875"))
    assert r.status == "review" and "cid_country_mismatch" in [f.code for f in r.findings]


def test_a_name_of_another_metal_only_is_never_accepted(resolver):
    r = resolver.resolve(row("Tin", "Veltra Precious Metals GmbH", country="GERMANY"))
    assert r.status != "resolved"
    assert r.candidates and "Gold" in r.candidates[0].reasons[0]


def test_reasons_are_on_every_candidate(resolver):
    r = resolver.resolve(row("Tantalum", "Borealis Tantal Group"))
    assert all(c.reasons for c in r.candidates) and r.reasons
    assert r.to_json()["candidates"][0]["reasons"]


def test_a_trader_is_no_short_form_of_a_smelter(resolver):
    assert resolver.resolve(row("Tin", "Hoshino Trading Co.", country="JAPAN")).status != "resolved"
    assert resolver.resolve(row("Tin", "Hoshino", country="JAPAN")).status == "resolved"


def test_trading_as_is_the_same_as_t_a():
    from minetrace.ingest.names import normalise_name

    assert normalise_name("Perth Sample Mint trading as The Sample Mint") == \
        normalise_name("Perth Sample Mint (T/a The Sample Mint)")
