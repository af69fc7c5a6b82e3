"""The due-diligence policy: a preset per regulation, thresholds, country lists, scoping and program rules.

Why files and not constants: risk must be explainable *and* configurable, and the two
regimes ask different questions — the SEC rule is about the Covered Countries, the EU regulation
about CAHRAs. The shared settings live in `default_policy.yaml`; each regime is a preset beside it
(`presets/us-sec-1502.yaml`, the default, and `presets/eu-2017-821.yaml`) merged over them. A user
file is deep-merged over the preset it names in `extends:` (default us-sec-1502), so a company
changes one threshold without copying the rest. Every query that rates or scopes takes a `Policy`.

Example:
    >>> p = load_policy()
    >>> p.name, p.scoping.inactive_years, "CD" in p.risk.covered_countries, p.risk.levels["cahra_location"]
    ('us-sec-1502', 5, True, 'medium')
    >>> load_policy("eu-2017-821").risk.levels["cahra_location"]
    'high'
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
PRESET_DIR = Path(__file__).with_name("presets")
DEFAULT_PRESET = "us-sec-1502"
LEVEL_NAMES = ("high", "medium", "low")
STATUSES_AT = ("filing_date", "year_end")


def presets() -> dict[str, Path]:
    """Preset name → its YAML file (queries/presets/*.yaml)."""
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.yaml"))}


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
    #: "filing_date" (31 May of year + 1) or "year_end" (31 Dec): when statuses are judged without `as_of`
    statuses_at: str = "filing_date"
    #: reason code → level it puts a smelter at (queries.reasons gives the catalogue's defaults)
    levels: dict[str, str] = field(default_factory=dict, compare=False)
    #: a declaration row naming more mine countries than this is "unspecific" and flags nothing on its own
    max_declared_countries: int = 10
    #: per-metal question roles whose "Yes" raises a supplier-level flag (covered_sourcing, cahra_sourcing)
    answer_flags: tuple[str, ...] = ("covered_sourcing",)

    def as_of_for(self, year: int | None) -> date:
        """The date statuses are judged at: the policy's `as_of`, else the filing date of `year` (31 May of
        year + 1; 31 Dec of `year` with `statuses_at: year_end`), else today."""
        if self.as_of:
            return self.as_of
        if year:
            if self.statuses_at == "year_end":
                return date(year, 12, 31)
            return self.filing_date_for(year) or date(year + 1, 5, 31)
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
    #: the user's file when one was given, else the preset name ("defaults" for a bare dict)
    source: str = "defaults"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: the preset the policy is built on (us-sec-1502, eu-2017-821) and its title
    name: str = DEFAULT_PRESET
    title: str = ""

    @property
    def label(self) -> str:
        """What every output header shows: the preset, and the user's file merged over it."""
        if self.source in (self.name, "defaults", "dict"):
            return self.name
        return f"{self.name} + {Path(self.source).name}"


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


def preset_dict(name: str) -> dict[str, Any]:
    """The base settings with preset `name` merged over them; PolicyError for an unknown name."""
    known = presets()
    path = known.get(str(name).strip().lower())
    if path is None:
        raise PolicyError(f"{name}: no such policy preset (presets: {', '.join(known)}; or give a YAML file)")
    return deep_merge(_read_yaml(DEFAULT_POLICY_FILE), _read_yaml(path))


def load_policy(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Policy:
    """The policy `--policy NAME|FILE` names: a preset by name (default us-sec-1502), or a user file
    merged over the preset its `extends:` key names; then `overrides` (a dict in the same shape)."""
    source = DEFAULT_PRESET
    if path and str(path).strip().lower() in presets():
        raw = preset_dict(str(path))
        source = str(path).strip().lower()
    elif path:
        user = Path(path)
        if not user.exists() and user.suffix.lower() not in (".yaml", ".yml"):
            raise PolicyError(f"{path}: no such policy preset (presets: {', '.join(presets())}) or file")
        mine = _read_yaml(user)
        base = mine.pop("extends", None) or DEFAULT_PRESET
        try:
            raw = deep_merge(preset_dict(str(base)), mine)
        except PolicyError as exc:
            raise PolicyError(f"{user}: extends: {exc}") from None
        source = str(user)
    else:
        raw = preset_dict(DEFAULT_PRESET)
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
    for section, key in (("risk", "levels"), ("risk", "declared_sourcing")):
        value = (raw.get(section) or {}).get(key)
        if value is not None and not isinstance(value, dict):
            raise PolicyError(f"{source}: {section}.{key} must be a mapping, got {value!r}")
    r = raw.get("risk") or {}
    w = r.get("watchlist") or {}
    c = r.get("cahra") or {}
    levels: dict[str, str] = {}
    for code, level in (r.get("levels") or {}).items():
        text = str(level).strip().lower()
        if text not in LEVEL_NAMES:
            raise PolicyError(f"{source}: risk.levels.{code}: expected one of {', '.join(LEVEL_NAMES)}, got {level!r}")
        levels[str(code)] = text
    statuses_at = str(r.get("statuses_at") or "filing_date").strip().lower()
    if statuses_at not in STATUSES_AT:
        raise PolicyError(f"{source}: risk.statuses_at: expected one of {', '.join(STATUSES_AT)}, got "
                          f"{r.get('statuses_at')!r}")
    max_countries = _int((r.get("declared_sourcing") or {}).get("max_countries", 10),
                         f"{source}: risk.declared_sourcing.max_countries")
    if max_countries < 1:
        raise PolicyError(f"{source}: risk.declared_sourcing.max_countries must be 1 or more, got {max_countries}")
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
        statuses_at=statuses_at,
        levels=levels,
        max_declared_countries=max_countries,
        answer_flags=_strs(r.get("answer_flags", ["covered_sourcing"]), f"{source}: risk.answer_flags"),
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
    preset = raw.get("preset")
    meta: dict[str, Any] = preset if isinstance(preset, dict) else {}
    return Policy(risk=risk, program=program, scoping=scoping, survey=survey, report=report, source=source,
                  raw=raw, name=str(meta.get("name") or DEFAULT_PRESET), title=str(meta.get("title") or ""))
