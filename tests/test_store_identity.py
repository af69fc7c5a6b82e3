"""The supersede rule (graph.current) on every store: a newer form supersedes only within the supplier's
identity, an invalid one never displaces a valid one, until an analyst accepts it.

Same fixtures as the store contract (embedded always; Neo4j against the real server the plugin starts).
"""

from __future__ import annotations

from datetime import date

import test_store_contract as contract

from minetrace.app.synthetic import graph_program as synth
from minetrace.graph import schema as S
from minetrace.graph.current import GroupForm, current_of
from minetrace.graph.store import GraphStore, SupplierRecord

# the contract's fixtures (embedded and Neo4j stores) and helpers
store_factory = contract.store_factory
store = contract.store
put, rows, sup = contract.put, contract.rows, contract.sup
ACME = sup("Acme")


def form(tag: str, when: date, status: str = "valid", email: str = "alex@acme.example", cids: tuple = ("CID000001",)):
    return synth.declaration("Acme", rows(*cids), effective=when, status=status, tag=tag, email=email)


def state(store: GraphStore, supplier_id: str = ACME.id) -> dict[str, tuple[bool, str | None]]:
    return {d.file_name: (d.current, d.pending) for d in store.declarations(supplier_id=supplier_id,
                                                                           current_only=False)}


def test_a_newer_invalid_form_waits_until_fixed_or_accepted(store: GraphStore) -> None:
    valid = form("mar", date(2025, 3, 1), cids=("CID000001", "CID000002", "CID000003"))
    put(store, valid, ACME)
    spoof = form("sep", date(2025, 9, 1), status="invalid")
    out = put(store, spoof, ACME)
    assert out.outcome == "invalid_stored" and not out.current
    assert out.pending and out.pending.startswith("invalid form: the valid form Acme-mar.xlsx stays current")
    assert state(store) == {"Acme-mar.xlsx": (True, None), "Acme-sep.xlsx": (False, out.pending)}
    assert {h.smelter_key for h in store.smelters_for_supplier(ACME.id)} == {"CID000001", "CID000002", "CID000003"}
    fixed = put(store, form("oct", date(2025, 10, 1)), ACME)
    assert fixed.outcome == "new" and fixed.current
    assert state(store)["Acme-sep.xlsx"] == (False, None)  # history now: a newer valid form is current
    assert store.accept_declaration(spoof.file.sha256) is True
    assert state(store)["Acme-oct.xlsx"] == (True, None)  # accepted, but older than the current form


def test_accepting_an_invalid_form_makes_it_current(store: GraphStore) -> None:
    put(store, form("mar", date(2025, 3, 1)), ACME)
    late = form("sep", date(2025, 9, 1), status="invalid")
    put(store, late, ACME)
    assert store.accept_declaration(late.file.sha256)
    assert state(store) == {"Acme-mar.xlsx": (False, None), "Acme-sep.xlsx": (True, None)}
    assert store.declaration(late.file.sha256).accepted is True
    assert store.accept_declaration("0" * 64) is False


def test_another_contact_domain_waits_whatever_the_order(store_factory) -> None:
    older = form("mar", date(2025, 3, 1))
    newer = form("oct", date(2025, 10, 1), email="ceo@acme-holding.example")
    for order in ((older, newer), (newer, older)):
        st = store_factory()
        outs = {d.file.name: put(st, d, ACME) for d in order}
        got = state(st)
        assert got["Acme-mar.xlsx"] == (True, None)
        current, why = got["Acme-oct.xlsx"]
        assert not current and why == ("identity unconfirmed: contact e-mail domain acme-holding.example differs "
                                       "from the supplier's acme.example")
        if order[0] is older:
            assert outs["Acme-oct.xlsx"].outcome == "pending" and outs["Acme-oct.xlsx"].pending == why
        # chase e-mails go to the current form's contact, never to a form held back
        assert st.supplier(ACME.id).contact_email == "alex@acme.example"
    # accepted, the new domain is the supplier's too: a later form from it supersedes
    assert st.accept_declaration(newer.file.sha256)
    put(st, form("nov", date(2025, 11, 1), email="cfo@acme-holding.example"), ACME)
    assert state(st) == {"Acme-mar.xlsx": (False, None), "Acme-oct.xlsx": (False, None),
                         "Acme-nov.xlsx": (True, None)}
    assert st.supplier(ACME.id).contact_email == "cfo@acme-holding.example"


def test_the_master_lists_domain_is_the_identity(store: GraphStore) -> None:
    store.upsert_suppliers([SupplierRecord("V-1", "Acme", email_domain="acme.example")])
    master = SupplierRecord("V-1", "Acme", email_domain="acme.example")
    stranger = form("jan", date(2025, 1, 1), email="x@evil.example")
    put(store, stranger, master)  # the first form, from another domain: current only while nothing better exists
    assert state(store, "V-1") == {"Acme-jan.xlsx": (True, None)}
    put(store, form("feb", date(2025, 2, 1)), master)
    later = put(store, form("dec", date(2025, 12, 1), email="y@evil.example", cids=("CID000004",)), master)
    assert later.outcome == "pending" and "evil.example differs from the supplier's acme.example" in later.pending
    assert state(store, "V-1")["Acme-feb.xlsx"] == (True, None)


def test_a_fuzzy_link_waits(store: GraphStore) -> None:
    put(store, form("mar", date(2025, 3, 1)), ACME)
    fuzzy = form("oct", date(2025, 10, 1), cids=("CID000002",))
    why = "identity unconfirmed: 'Acme Corp' ~ 'Acme' (fuzzy 93) is only a fuzzy master-list match"
    out = store.ingest_declaration(fuzzy, synth.resolve_exact(fuzzy), ACME, 2024, hold=why)
    assert out.outcome == "pending" and out.pending == why and out.message == f"pending: {why}"
    assert store.declaration(fuzzy.file.sha256).hold == why
    assert store.delete_declaration(form("mar", date(2025, 3, 1)).file.sha256)
    assert state(store) == {"Acme-oct.xlsx": (True, None)}  # every form held: the newest is current


def test_the_rule_in_python() -> None:
    """graph.current.current_of, the rule the stores implement (orders and ties as the stores break them)."""
    a = GroupForm("a", "2025-03-01", 1, "valid", domain="acme.example", file_name="a.xlsx")
    b = GroupForm("b", "2025-09-01", 2, "invalid", domain="acme.example")
    c = GroupForm("c", "2025-10-01", 3, "valid", domain="evil.example")
    d = GroupForm("d", "2025-10-01", 4, "valid", hold="fuzzy")
    current, pending = current_of([c, b, d, a])
    assert current.id == "a" and set(pending) == {"b", "c", "d"}
    assert pending["b"].startswith("invalid form: the valid form a.xlsx")
    assert current_of([a, b, c, d], master_domain="evil.example")[0].id == "c"
    assert current_of([GroupForm("x", "", 1, "invalid"), GroupForm("y", "", 2, "invalid")])[0].id == "y"
    assert S.OUTCOME_PENDING in S.OUTCOMES
