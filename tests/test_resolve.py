"""Resolution: every step, positive and negative, on a small store built from made-up RMI-shaped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from minetrace.ingest.records import SmelterRow
from minetrace.ingest.reference import ReferenceStore, import_file
from minetrace.ingest.reference.decisions import Decisions
from minetrace.ingest.resolve import Resolver, cid_variants

REFERENCE = """Metal,Smelter Reference,Standard Smelter Name,Country,Smelter ID,City,State Province
Gold,Tanaka Kikinzoku Kogyo K.K.,Tanaka Kikinzoku Kogyo K.K.,JAPAN,CID001875,Hiratsuka,
Gold,Tanaka Kikinzoku,Tanaka Kikinzoku Kogyo K.K.,JAPAN,CID001875,Hiratsuka,
Gold,Example Refining Hamburg,Example Refining AG,GERMANY,CID000113,Hamburg,
Gold,Example Refining AG,Example Refining AG,GERMANY,CID000113,Hamburg,
Gold,Example Refining AG,Example Refining AG Plant 2,GERMANY,CID005476,Hamburg,
Gold,Nordic Gold Refinery,Nordic Gold Refinery Oy,FINLAND,CID000200,Pori,
Gold,Ural Precious Metals Plant,Ural Precious Metals Plant,RUSSIAN FEDERATION,CID000300,Ekaterinburg,
Tin,Mineração Exemplo S.A.,Mineracao Exemplo S.A.,BRAZIL,CID001000,Sao Paulo,
Tin,Yunnan Sample Tin Company Limited,Yunnan Sample Tin Company Limited,CHINA,CID002180,Gejiu,
Tin,Thai Sample Smelting,Thai Sample Smelting and Refining Co. Ltd.,THAILAND,CID001898,Phuket,
Tungsten,Xiamen Sample Tungsten Co. Ltd.,Xiamen Sample Tungsten Co. Ltd.,CHINA,CID002082,Xiamen,
Tungsten,Ganzhou Sample Tungsten,Ganzhou Sample Tungsten Co. Ltd.,CHINA,CID002494,Ganzhou,
Tantalum,Sample Tantalum Boyertown,Sample Tantalum Boyertown,UNITED STATES OF AMERICA,CID002557,Boyertown,
Tantalum,Sample Tantalum Aizu,Sample Tantalum Aizu,JAPAN,CID002558,Aizu,
"""
REVISIONS = (
    "Metal,Smelter ID,Standard Smelter Name,Country,Basis for Revision,Details,Revision Date,Smelter Added Date\n"
    "Tin,CID000864,Old Sample Tin Works,CHINA,Removed,Alias to CID002180,2015-04-30T00:00:00,\n"
    "Tantalum,CID000564,Sample Tantalum Group,UNITED STATES,Removed,"
    "\"Facility-level reporting, see Smelter IDs: CID002558; CID002557\",2014-11-07,\n"
    "Gold,CID000999,Closed Sample Refinery,BELGIUM,Removed,No longer an operating smelter / refiner,2019-06-25,\n"
)


@pytest.fixture
def store(tmp_path):
    s = ReferenceStore(tmp_path / "store")
    (tmp_path / "ref_2026-08-22.csv").write_text(REFERENCE, encoding="utf-8")
    (tmp_path / "rev_2026-08-22.csv").write_text(REVISIONS, encoding="utf-8")
    import_file(s, tmp_path / "ref_2026-08-22.csv")
    import_file(s, tmp_path / "rev_2026-08-22.csv")
    s.add_old_id("1JPN010", "CID001875", "Gold", "Tanaka", "JP", "test crosswalk", "2014-05-30")
    s.db.commit()
    yield s
    s.close()


@pytest.fixture
def resolver(store, tmp_path):
    return Resolver(store, decisions=tmp_path / "decisions.yaml")


def row(metal="Gold", name=None, country=None, cid=None, lookup=None, kind=None, **kw) -> SmelterRow:
    return SmelterRow(row=7, metal=metal, lookup=lookup, lookup_kind=kind, name=name, country=country, cid=cid, **kw)


# ---- step 1: well-formed CIDs
def test_known_cid(resolver):
    r = resolver.resolve(row(cid="CID001875", name="Tanaka Kikinzoku"))
    assert (r.status, r.cid, r.method, r.given_cid) == ("resolved", "CID001875", "cid", "CID001875")
    assert r.standard_name == "Tanaka Kikinzoku Kogyo K.K." and r.country_iso2 == "JP"


def test_retired_cid_follows_alias_to(resolver):
    r = resolver.resolve(row(metal="Tin", cid="CID000864"))
    assert (r.status, r.cid, r.method, r.given_cid) == ("resolved", "CID002180", "cid_retired", "CID000864")
    assert any("Alias to CID002180" in n for n in r.notes)


def test_retired_cid_without_successor_stays(resolver):
    r = resolver.resolve(row(cid="CID000999"))
    assert r.status == "resolved" and r.cid == "CID000999"
    assert any("retired" in n for n in r.notes)


def test_split_cid_without_country_goes_to_review_listing_the_successors(resolver):
    r = resolver.resolve(row(metal="Tantalum", cid="CID000564"))
    assert (r.status, r.cid, r.method, r.given_cid) == ("review", None, "cid_split", "CID000564")
    assert {c.cid for c in r.candidates} == {"CID002557", "CID002558"}
    assert all(any("split" in why for why in c.reasons) for c in r.candidates)
    assert "cid_split" in [f.code for f in r.findings]


def test_split_cid_narrowed_by_country(resolver):
    r = resolver.resolve(row(metal="Tantalum", cid="CID000564", country="JAPAN"))
    assert (r.status, r.cid, r.given_cid) == ("resolved", "CID002558", "CID000564")


def test_cid_of_wrong_metal_is_a_finding(resolver):
    r = resolver.resolve(row(metal="Tin", cid="CID001875"))
    assert "cid_wrong_metal" in [f.code for f in r.findings]
    assert r.cid != "CID001875"
    assert r.findings[0].location == "Smelter List!row 7"


def test_cid_of_right_metal_has_no_finding(resolver):
    assert resolver.resolve(row(metal="Gold", cid="CID001875")).findings == []


def test_unknown_cid_is_kept_as_provisional(resolver):
    r = resolver.resolve(row(cid="CID004444"))
    assert r.status == "unresolved" and r.provisional_key == "CID004444"
    assert [f.code for f in r.findings] == ["cid_unknown"]


# ---- step 2: malformed CIDs
@pytest.mark.parametrize("typed", ["CID0020822", "CID0O2082", "CID 002082", "cid002082", "002082",
                                   "\u00a0CID002082", "CID-002082"])
def test_malformed_cid_repaired(resolver, typed):
    r = resolver.resolve(row(metal="Tungsten", cid=typed, name="Xiamen Sample Tungsten"))
    assert (r.status, r.cid) == ("resolved", "CID002082")
    assert r.method in ("cid_repaired", "cid")


def test_malformed_cid_not_repaired_when_name_disagrees(resolver):
    r = resolver.resolve(row(metal="Tungsten", cid="CID0020822", name="Totally Different Works"))
    assert r.cid != "CID002082"
    assert "malformed_cid" in [f.code for f in r.findings]


def test_cid_variants():
    assert "CID002763" in cid_variants("CID0027634")
    assert cid_variants("CIDOO2082") == ["CID002082"]
    assert cid_variants("not an id") == []


# ---- step 3: old IDs
def test_old_id_crosswalk(resolver):
    r = resolver.resolve(row(cid="1JPN010"))
    assert (r.status, r.cid, r.method, r.given_cid) == ("resolved", "CID001875", "old_id", "1JPN010")


def test_unknown_old_id_falls_back_to_name(resolver):
    r = resolver.resolve(row(cid="1JPN999", name="Tanaka Kikinzoku Kogyo"))
    assert r.cid == "CID001875" and r.method == "alias"


# ---- step 4: exact alias after normalisation
@pytest.mark.parametrize("typed", ["TANAKA KIKINZOKU KOGYO K.K.", "Tanaka Kikinzoku Kogyo KK", "tanaka  kikinzoku",
                                   "Tanaka Kikinzoku Co., Ltd.", "“Tanaka” Kikinzoku"])
def test_exact_alias(resolver, typed):
    r = resolver.resolve(row(name=typed))
    assert (r.status, r.cid, r.method, r.score) == ("resolved", "CID001875", "alias", 100.0)


def test_exact_alias_accents(resolver):
    r = resolver.resolve(row(metal="Tin", name="MINERACAO EXEMPLO SA"))
    assert (r.cid, r.method) == ("CID001000", "alias")


def test_alias_is_blocked_by_metal(resolver):
    r = resolver.resolve(row(metal="Tin", name="Tanaka Kikinzoku Kogyo K.K."))
    assert r.status != "resolved"


def test_alias_of_two_facilities_goes_to_review(resolver):
    r = resolver.resolve(row(name="Example Refining AG"))
    assert r.status == "review" and {c.cid for c in r.candidates} == {"CID000113", "CID005476"}


# ---- step 5: fuzzy
def test_fuzzy_accepts_a_typo(resolver):
    r = resolver.resolve(row(metal="Tin", name="Yunan Sample Tin Company", country="CHINA"))
    assert (r.status, r.cid) == ("resolved", "CID002180")
    assert r.method in ("romanisation", "typo", "fuzzy") and r.reasons
    assert r.score >= 86


def test_fuzzy_country_mismatch_lowers_the_score(resolver):
    same = resolver.resolve(row(name="Nordic Gold Refinry", country="FINLAND"))
    other = resolver.resolve(row(name="Nordic Gold Refinry", country="CHINA"))
    assert same.cid == "CID000200" and same.score > other.score


def test_fuzzy_below_review_is_unresolved_with_key(resolver):
    r = resolver.resolve(row(metal="Tin", name="Jean Goldschmidt International", country="BELGIUM"))
    assert r.status == "unresolved" and r.cid is None
    assert r.provisional_key == "Tin|jean goldschmidt international|BE"


def test_fuzzy_close_runner_up_goes_to_review(resolver):
    r = resolver.resolve(row(metal="Tantalum", name="Sample Tantalum"))
    assert r.status == "review" and r.cid is None
    assert {c.cid for c in r.candidates[:2]} == {"CID002557", "CID002558"}


# ---- step 6: special look-up values
def test_not_yet_identified(resolver):
    r = resolver.resolve(row(lookup="Smelter not yet identified", name="Unknown"))
    assert r.status == "unidentified" and r.cid is None


def test_not_listed_uses_the_typed_name(resolver):
    r = resolver.resolve(row(lookup="Smelter Not Listed", kind="not_listed", name="Nordic Gold Refinery Oy",
                             country="FINLAND"))
    assert (r.status, r.cid) == ("resolved", "CID000200")


def test_not_listed_without_name_is_unresolved(resolver):
    r = resolver.resolve(row(lookup="Smelter not listed", kind="not_listed"))
    assert r.status == "unresolved"


# ---- decisions
def test_decisions_are_honoured(store, tmp_path):
    path = tmp_path / "decisions.yaml"
    d = Decisions(path)
    d.record("Gold", "Example Refining AG", "Germany", accept="CID005476")
    d.record("Tin", "Thai Smelting", None, reject="CID001898")
    res = Resolver(store, decisions=path)
    r = res.resolve(row(name="Example Refining AG", country="GERMANY"))
    assert (r.status, r.cid, r.method) == ("resolved", "CID005476", "decision")
    # the decision is country-specific
    assert res.resolve(row(name="Example Refining AG", country="JAPAN")).method != "decision"
    rej = res.resolve(row(metal="Tin", name="Thai Smelting"))
    assert "CID001898" not in {c.cid for c in rej.candidates} and rej.cid != "CID001898"
    assert "decided_on" in path.read_text()


def test_default_decisions_file_lives_in_the_store(store):
    Decisions(store.decisions_path).record("Gold", "Totally New Name", None, accept="CID000200")
    assert Resolver(store).resolve(row(name="Totally New Name")).cid == "CID000200"


# ---- batch API, review queue, cache
def test_resolve_many_queues_reviews(resolver, store):
    rows = [row(name="Example Refining AG"), row(name="Tanaka Kikinzoku")]
    out = resolver.resolve_many(rows, declaration_sha256="ab" * 32)
    assert [r.status for r in out] == ["review", "resolved"]
    queue = store.open_reviews()
    assert len(queue) == 1 and queue[0]["raw_name"] == "Example Refining AG"
    assert {c["cid"] for c in queue[0]["candidates"]} == {"CID000113", "CID005476"}
    assert store.close_reviews("Gold", "example refining ag", None) == 1


def test_cache_returns_independent_copies(resolver):
    a = resolver.resolve(row(metal="Tin", cid="CID000864"))
    a.notes.append("mutated")
    b = resolver.resolve(row(metal="Tin", cid="CID000864"))
    assert "mutated" not in b.notes


def test_starter_only_store_resolves_watchlist_names(tmp_path):
    s = ReferenceStore(tmp_path / "fresh")
    r = Resolver(s, decisions=Path(tmp_path / "d.yaml")).resolve(row(name="Kaloti Precious Metals"))
    assert r.cid == "CID002563"
    s.close()


@pytest.mark.parametrize("typed", ["NA", "N/A", "Not Listed", "0"])
def test_placeholder_ids_are_no_id(resolver, typed):
    r = resolver.resolve(row(name="Nordic Gold Refinery", cid=typed))
    assert (r.status, r.cid, r.findings) == ("resolved", "CID000200", [])


def test_short_form_of_exactly_one_facility(resolver):
    r = resolver.resolve(row(name="Nordic Gold"))
    assert (r.status, r.cid) == ("resolved", "CID000200")


def test_short_form_shared_by_two_facilities_is_not_resolved(resolver):
    r = resolver.resolve(row(name="Example Refining"))
    assert r.status != "resolved"


def test_short_form_in_another_country_is_not_resolved(resolver):
    r = resolver.resolve(row(name="Nordic Gold", country="CHINA"))
    assert r.cid != "CID000200" or r.status != "resolved"


def test_as_of_before_a_removal_keeps_the_cid_current(store, tmp_path):
    then = Resolver(store, decisions=tmp_path / "d.yaml", as_of="2014-12-31")
    r = then.resolve(row(metal="Tin", cid="CID000864"))  # alias-to CID002180 only from 2015-04-30
    assert (r.cid, r.method) == ("CID000864", "cid")
    now = Resolver(store, decisions=tmp_path / "d.yaml")
    assert now.resolve(row(metal="Tin", cid="CID000864")).cid == "CID002180"


def test_fresh_store_trusts_well_formed_cids(tmp_path):
    s = ReferenceStore(tmp_path / "fresh")
    r = Resolver(s, decisions=tmp_path / "d.yaml").resolve(row(metal="Tungsten", cid="CID002082"))
    assert (r.status, r.cid, r.method) == ("resolved", "CID002082", "cid_unverified")
    assert [f.code for f in r.findings] == ["cid_unverified"]
    s.close()


def test_default_resolver_opens_the_store(tmp_path):
    from minetrace.ingest.resolve import default_resolver

    res = default_resolver(tmp_path / "st")
    assert res.store.path == tmp_path / "st" / "reference.sqlite"
    assert res.resolve(row(name="Kaloti Precious Metals")).cid == "CID002563"


def test_indexes_are_built_on_the_first_question_once_even_from_two_threads(store, tmp_path):
    """A resolver that is never asked costs nothing (`ingest` rebuilds its own for Look-up learning); the first
    question builds the indexes exactly once, and a second thread asking meanwhile waits and gets the same answer."""
    import threading

    built: list[int] = []

    class Counting(Resolver):
        def _build(self) -> None:
            built.append(1)
            super()._build()

    lazy = Counting(store, decisions=tmp_path / "decisions.yaml")
    assert built == [] and "index" not in vars(lazy)
    answers: list[object] = []
    threads = [threading.Thread(target=lambda: answers.append(lazy.resolve(row(name="Tanaka Kikinzoku"))))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [1]
    eager = Resolver(store, decisions=tmp_path / "decisions.yaml")
    expected = eager.resolve(row(name="Tanaka Kikinzoku"))
    assert expected.cid == "CID001875"
    assert [a.cid for a in answers] == [expected.cid] * 4  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        lazy.not_an_attribute  # noqa: B018  (an unknown name is still an AttributeError, not a build)
