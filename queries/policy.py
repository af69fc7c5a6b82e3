"""The due-diligence policy: thresholds, country lists, watchlist use, scoping and program rules.

Why a file and not constants: risk must be explainable *and* configurable (DESIGN §2). The defaults
live in `default_policy.yaml` beside this module; a user file is deep-merged over them, so a company
changes one threshold without copying the rest. Every query that rates or scopes takes a `Policy`.

Example:
    >>> p = load_policy()
    >>> p.scoping.inactive_years, "CD" in p.risk.covered_countries
    (5, True)
    >>> load_policy(overrides={"scoping": {"inactive_years": 3}}).scoping.inactive_years
    3
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.yaml")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class SanctionedJurisdiction:
    iso2: str
    metals: tuple[str, ...] = ()  # empty = every metal
    since: date | None = None


@dataclass(frozen=True)
class RiskPolicy:
    as_of: date | None = None
    filing_date: date | None = None
    use_reference_watchlist: bool = True
    dated_watchlist: bool = True
    extra_watch_cids: frozenset[str] = frozenset()
    ignore_watch_cids: frozenset[str] = frozenset()
    covered_countries: frozenset[str] = frozenset()
    use_reference_cahra: bool = True
    extra_cahra: frozenset[str] = frozenset()
    high_states: tuple[str, ...] = ()
    high_removal_reasons: tuple[str, ...] = ()
    not_a_smelter_reasons: tuple[str, ...] = ()
    not_operating_reasons: tuple[str, ...] = ()
    conformant_states: tuple[str, ...] = ("Conformant",)
    declared_sourcing_high: bool = True
    sanctioned_jurisdictions: tuple[SanctionedJurisdiction, ...] = ()
    default_audit_cycle_months: int = 12

    def as_of_for(self, year: int | None) -> date:
        """The date statuses are judged at: the policy's `as_of`, else 31 Dec of `year`, else today."""
        if self.as_of:
            return self.as_of
        if year:
            return date(year, 12, 31)
        return date.today()

    def filing_date_for(self, year: int | None) -> date | None:
        if self.filing_date:
            return self.filing_date
        if year:
            return date(year + 1, 5, 31)
        return None


@dataclass(frozen=True)
class ProgramPolicy:
    strong_roles: tuple[str, ...] = ("policy", "due_diligence", "review", "corrective_action")
    yes_answers: tuple[str, ...] = ("Yes",)


@dataclass(frozen=True)
class ScopingPolicy:
    inactive_years: int = 5
    excluded_categories: tuple[str, ...] = ("service", "indirect")
    keep_unknown_purchase_date: bool = True


@dataclass(frozen=True)
class SurveyPolicy:
    count_invalid_as_responded: bool = True


@dataclass(frozen=True)
class ReportPolicy:
    appendix_conformant_label: str = "Yes"
    appendix_other_label: str = "Unknown"


@dataclass(frozen=True)
class Policy:
    risk: RiskPolicy = field(default_factory=RiskPolicy)
    program: ProgramPolicy = field(default_factory=ProgramPolicy)
    scoping: ScopingPolicy = field(default_factory=ScopingPolicy)
    survey: SurveyPolicy = field(default_factory=SurveyPolicy)
    report: ReportPolicy = field(default_factory=ReportPolicy)
    source: str = "defaults"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged into a copy of `base`: dicts merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy file ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy file must be a mapping of sections (risk, program, scoping …)")
    return data


def load_policy(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Policy:
    """Defaults, then the user's file (if any), then `overrides` (a dict in the same shape)."""
    raw = _read_yaml(DEFAULT_POLICY_FILE)
    source = "defaults"
    if path:
        user = Path(path)
        raw = deep_merge(raw, _read_yaml(user))
        source = str(user)
    if overrides:
        raw = deep_merge(raw, overrides)
    return policy_from_dict(raw, source=source)


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise PolicyError(f"{where}: expected an ISO date (YYYY-MM-DD), got {value!r}") from exc


def _strs(value: Any, where: str, upper: bool = False) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise PolicyError(f"{where}: expected a list, got {value!r}")
    out = tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v.upper() for v in out) if upper else out


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"{where}: expected a whole number, got {value!r}") from exc


def policy_from_dict(raw: dict[str, Any], source: str = "dict") -> Policy:
    """Build a typed `Policy` from the merged mapping; raises `PolicyError` naming the bad key."""
    for section in ("risk", "program", "scoping", "survey", "report"):
        if raw.get(section) is not None and not isinstance(raw.get(section), dict):
            raise PolicyError(f"{source}: {section} must be a mapping of settings, got {raw.get(section)!r}")
    for section, key in (("risk", "watchlist"), ("risk", "cahra")):
        value = (raw.get(section) or {}).get(key)
        if value is not None and not isinstance(value, dict):
            raise PolicyError(f"{source}: {section}.{key} must be a mapping, got {value!r}")
    r = raw.get("risk") or {}
    w = r.get("watchlist") or {}
    c = r.get("cahra") or {}
    sanctioned = []
    for i, item in enumerate(r.get("sanctioned_jurisdictions") or []):
        where = f"{source}: risk.sanctioned_jurisdictions[{i}]"
        if not isinstance(item, dict) or not item.get("iso2"):
            raise PolicyError(f"{where}: expected {{iso2: XX, metals: [...], from: YYYY-MM-DD}}")
        sanctioned.append(SanctionedJurisdiction(
            iso2=str(item["iso2"]).upper(), metals=_strs(item.get("metals"), where),
            since=_date(item.get("from"), where)))
    risk = RiskPolicy(
        as_of=_date(r.get("as_of"), f"{source}: risk.as_of"),
        filing_date=_date(r.get("filing_date"), f"{source}: risk.filing_date"),
        use_reference_watchlist=bool(w.get("use_reference", True)),
        dated_watchlist=bool(w.get("dated", True)),
        extra_watch_cids=frozenset(_strs(w.get("extra_cids"), f"{source}: risk.watchlist.extra_cids", upper=True)),
        ignore_watch_cids=frozenset(_strs(w.get("ignore_cids"), f"{source}: risk.watchlist.ignore_cids",
                                          upper=True)),
        covered_countries=frozenset(_strs(r.get("covered_countries"), f"{source}: risk.covered_countries",
                                          upper=True)),
        use_reference_cahra=bool(c.get("use_reference", True)),
        extra_cahra=frozenset(_strs(c.get("extra"), f"{source}: risk.cahra.extra", upper=True)),
        high_states=_strs(r.get("high_states"), f"{source}: risk.high_states"),
        high_removal_reasons=_strs(r.get("high_removal_reasons"), f"{source}: risk.high_removal_reasons"),
        not_a_smelter_reasons=_strs(r.get("not_a_smelter_reasons"), f"{source}: risk.not_a_smelter_reasons"),
        not_operating_reasons=_strs(r.get("not_operating_reasons"), f"{source}: risk.not_operating_reasons"),
        conformant_states=_strs(r.get("conformant_states"), f"{source}: risk.conformant_states") or ("Conformant",),
        declared_sourcing_high=bool(r.get("declared_sourcing_high", True)),
        sanctioned_jurisdictions=tuple(sanctioned),
        default_audit_cycle_months=_int(r.get("default_audit_cycle_months", 12),
                                        f"{source}: risk.default_audit_cycle_months"),
    )
    p = raw.get("program") or {}
    program = ProgramPolicy(
        strong_roles=_strs(p.get("strong_roles"), f"{source}: program.strong_roles")
        or ProgramPolicy.strong_roles,
        yes_answers=_strs(p.get("yes_answers"), f"{source}: program.yes_answers") or ("Yes",),
    )
    s = raw.get("scoping") or {}
    inactive = _int(s.get("inactive_years", 5), f"{source}: scoping.inactive_years")
    if inactive < 0:
        raise PolicyError(f"{source}: scoping.inactive_years must be 0 or more, got {inactive}")
    scoping = ScopingPolicy(
        inactive_years=inactive,
        excluded_categories=tuple(x.lower() for x in _strs(s.get("excluded_categories"),
                                                             f"{source}: scoping.excluded_categories")),
        keep_unknown_purchase_date=bool(s.get("keep_unknown_purchase_date", True)),
    )
    sv = raw.get("survey") or {}
    survey = SurveyPolicy(count_invalid_as_responded=bool(sv.get("count_invalid_as_responded", True)))
    rp = raw.get("report") or {}
    report = ReportPolicy(
        appendix_conformant_label=str(rp.get("appendix_conformant_label", "Yes")),
        appendix_other_label=str(rp.get("appendix_other_label", "Unknown")),
    )
    return Policy(risk=risk, program=program, scoping=scoping, survey=survey, report=report, source=source,
                  raw=raw)
