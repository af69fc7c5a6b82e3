"""Smelter ratings for a whole store, each distinct smelter rated once and remembered.

Why: risk is a property of a smelter, not of a smelter-list row — a store of 10k suppliers holds a
million rows but a few hundred smelters. The roll-up, flagged paths, exports and the explorer all ask
"how is each smelter rated?" for the same store, reference DB and policy; rating costs a handful of
reference look-ups per smelter, so the answer is kept until one of its inputs changes:
  - the graph store (its `version()` changes on every write; the cache entry lives and dies with the
    store object),
  - the reference DB (its SQLite change counters and file stamps),
  - the risk model (class, as-of and filing dates, policy, watchlist, Covered Countries, CAHRA areas,
    the status lists on file),
  - the reporting year (the declared mine countries a rating reads are per year).
Reference facts whose `version()` is None (test doubles, what-if overlays) are never cached across
calls: their state cannot be fingerprinted.

Example:
    >>> risks = smelter_ratings(store, RiskModel(reference, year=2016), year=2016)   # doctest: +SKIP
    >>> risks["CID002587"].level                                                    # doctest: +SKIP
    'high'
"""

from __future__ import annotations

import weakref
from typing import Any

from minetrace.graph.store import GraphStore, ReferenceStore
from minetrace.queries.risk import RiskModel, SmelterRisk, risk_by_key

#: store → (store version, {state key → {smelter key → rating}}); entries die with the store object
_RATINGS: weakref.WeakKeyDictionary[GraphStore, tuple[str, dict[tuple[Any, ...], dict[str, SmelterRisk]]]] = (
    weakref.WeakKeyDictionary())
#: how many (reference, model, year) states are remembered per store version
MAX_STATES = 8


def reference_state(facts: ReferenceStore) -> tuple[Any, ...] | None:
    """A fingerprint of the reference facts' content (`ReferenceStore.version()`), or None when it cannot be
    taken."""
    version = facts.version()
    return None if version is None else (version,)


def model_state(model: RiskModel) -> tuple[Any, ...]:
    """Everything a rating depends on besides the reference facts and the smelter itself."""
    return (type(model).__module__, type(model).__qualname__, model.as_of, model.filing_date, repr(model.policy),
            tuple(sorted((k, len(v)) for k, v in model._watch.items())), model.geo.state(),
            model.basis.has_status_data, tuple(str(x.get("as_of")) for x in model.basis.lists))


def _state_key(model: RiskModel, year: int | None) -> tuple[Any, ...] | None:
    ref = reference_state(model.facts) if model.facts is not None else ("no reference",)
    if ref is None:
        return None
    return (ref, model_state(model), year)


def reported_smelter_keys(store: GraphStore, year: int | None = None) -> list[str]:
    """Keys of the smelters reported by current declarations of `year` (one aggregate store read)."""
    return [str(k) for k, _, _ in store.smelter_supplier_counts(year=year)]


def smelter_ratings(store: GraphStore, model: RiskModel, year: int | None = None,
                    keys: list[str] | set[str] | None = None) -> dict[str, SmelterRisk]:
    """smelter key → rating for `keys` (default: every smelter current declarations of `year` report).

    Same answers as `queries.risk.risk_by_key(store, model, year, keys=...)`; remembered per store
    version, reference state, model and year (see the module docstring). The ratings returned are
    shared: treat them as read-only."""
    wanted = set(reported_smelter_keys(store, year) if keys is None else keys)
    state = _state_key(model, year)
    if state is None:
        return risk_by_key(store, model, year, keys=wanted) if wanted else {}
    version = str(store.version())
    try:
        entry = _RATINGS.get(store)
    except TypeError:  # a store that cannot be weakly referenced: no cache
        return risk_by_key(store, model, year, keys=wanted) if wanted else {}
    if entry is None or entry[0] != version:
        entry = (version, {})
        _RATINGS[store] = entry
    states = entry[1]
    known = states.get(state)
    if known is None:
        if len(states) >= MAX_STATES:
            states.pop(next(iter(states)))
        known = states[state] = {}
    missing = wanted - known.keys()
    if missing:
        known.update(risk_by_key(store, model, year, keys=missing))
    return {k: known[k] for k in wanted if k in known}


def clear_ratings() -> None:
    """Forget every remembered rating (benchmarks measure the cold path with it)."""
    _RATINGS.clear()
