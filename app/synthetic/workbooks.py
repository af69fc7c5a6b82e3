"""A seeded generator of a whole supplier program: master list + one CMRT per responding supplier.

Why: the graph, the queries, the explorer and the benchmarks all need supply chains whose right
answers are known in advance — how many suppliers are in scope, which responded, which forms are
invalid and why, who reaches a watchlisted smelter, which names cannot resolve. Real programs are
confidential, so we build them: same seed → same specs, same files (byte for byte), same
`ProgramManifest`, which records every expectation a test can assert on.

Realism knobs follow what analysts see: most suppliers list 1–40 smelter rows, a few
consolidators list 300+ (with duplicates); some forms are invalid (required fields missing,
e-mails without '@', metals in scope without smelters, incomplete "Smelter not listed" rows …);
some names are misspelled or unknown; some rows say "Smelter not yet identified".

Facilities come from the caller (`Facility(cid, metal, name, country)`); `starter_facilities()`
reads the project's facts-only starter set (ingest/starter) for the demo.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pycountry

from minetrace.ingest.metals import CMRT_METALS
from minetrace.ingest.reference.starter import STARTER_DIR
from minetrace.queries.template_writer import (
    VERSIONS,
    CmrtSpec,
    Facility,
    ProductSpec,
    SmelterSpec,
    complete_spec,
    write_cmrt,
)

#: defects that make a form invalid; each adds exactly one item to the RMI Checker count
INVALID_DEFECTS: tuple[str, ...] = (
    "missing_company_name",
    "missing_contact_email",
    "email_without_at",
    "missing_effective_date",
    "unanswered_question",
    "metal_without_smelters",
    "not_listed_incomplete",
    "product_list_missing",
    "policy_url_missing",
)
#: defects that leave the form valid but raise warnings/info
WARNING_DEFECTS: tuple[str, ...] = (
    "future_date",
    "malformed_email",
    "malformed_cid",
    "q7_yes_with_unidentified",
)
#: the finding code each defect is expected to produce
DEFECT_FINDINGS: dict[str, str] = {
    "missing_company_name": "required_field_missing",
    "missing_contact_email": "required_field_missing",
    "email_without_at": "required_field_missing",
    "missing_effective_date": "required_field_missing",
    "unanswered_question": "required_field_missing",
    "metal_without_smelters": "metal_in_scope_without_smelters",
    "not_listed_incomplete": "smelter_not_listed_incomplete",
    "product_list_missing": "product_list_missing",
    "policy_url_missing": "policy_url_missing",
    "future_date": "effective_date_future",
    "malformed_email": "malformed_email",
    "malformed_cid": "malformed_cid",
    "q7_yes_with_unidentified": "q7_yes_with_unidentified_smelters",
}

_ADJ = ("Northern", "Pacific", "Allied", "Precision", "Global", "United", "Summit", "Apex", "Evergreen", "Harbor",
        "Crescent", "Pioneer", "Sterling", "Atlas", "Liberty", "Keystone", "Meridian", "Orion", "Vertex", "Cobalt")
_NOUN = ("Circuits", "Components", "Electronics", "Metalworks", "Devices", "Connectors", "Assemblies", "Plastics",
         "Semiconductors", "Cables", "Fasteners", "Magnetics", "Sensors", "Power Systems", "Castings", "Coatings")
_SUFFIX = ("Ltd.", "Inc.", "GmbH", "Co., Ltd.", "S.A.", "LLC", "Corp.", "B.V.", "K.K.", "Pte. Ltd.")
_UNKNOWN_SMELTERS = ("Golden Phoenix Refining Works", "Sunrise Metal Recovery Plant", "Eastern Star Smelting Co.",
                     "Blue River Tin Industry", "Great Wall Precious Metals Trading", "Southern Cross Tantalum Mill",
                     "Red Mountain Tungsten Factory", "Lucky Dragon Gold Trading")
_UNKNOWN_COUNTRIES = ("CHINA", "INDONESIA", "MALAYSIA", "THAILAND", "INDIA", "VIET NAM", "BOLIVIA", "PERU")
#: relative weights of template versions among responders (most send a current one)
_VERSION_WEIGHTS: dict[str, float] = {"6.01": 0.04, "6.1": 0.06, "6.22": 0.1, "6.31": 0.15, "6.4": 0.3, "6.5": 0.35}


@dataclass
class SupplierPlan:
    """One supplier of the program and everything the generator decided for it (the expectations)."""

    supplier_id: str
    name: str
    category: str  # direct / indirect / service
    last_purchase: str  # ISO date
    contact_email: str
    in_scope: bool
    responded: bool
    file: str | None = None  # file name inside out_dir, when a CMRT was written
    version: str | None = None
    scope: str | None = None
    expected_status: str | None = None  # "valid" / "invalid"
    expected_checker_missing: int | None = None
    defects: list[str] = field(default_factory=list)
    expected_findings: list[str] = field(default_factory=list)  # finding codes the defects must produce
    metals: list[str] = field(default_factory=list)  # metals declared in scope (Q1/Q2 Yes)
    smelter_rows: int = 0
    rows_by_metal: dict[str, int] = field(default_factory=dict)
    cids: list[str] = field(default_factory=list)  # distinct CIDs written
    watchlisted: list[str] = field(default_factory=list)  # watchlisted CIDs written
    misspelled: list[str] = field(default_factory=list)  # names written with a typo (no CID)
    unknown_names: list[str] = field(default_factory=list)  # names of no known facility ("Smelter not listed")
    not_yet_identified: int = 0
    duplicate_rows: int = 0
    out_of_scope_reason: str | None = None
    language: str = "English"  # the UI language the form was saved in
    cached_formulas: bool = False  # look-up formulas kept with cached values (else values pasted over)


@dataclass
class ProgramManifest:
    seed: int
    n_suppliers: int
    out_dir: str | None
    suppliers: list[SupplierPlan]
    master_list: str | None = None
    reference_date: str = "2025-12-31"
    #: supplier id → the CMRT spec written for it (not part of the JSON manifest)
    specs: dict[str, CmrtSpec] = field(default_factory=dict, repr=False)

    def responders(self) -> list[SupplierPlan]:
        return [s for s in self.suppliers if s.responded]

    def figures(self) -> dict[str, Any]:
        in_scope = [s for s in self.suppliers if s.in_scope]
        responded = [s for s in in_scope if s.responded]
        valid = [s for s in responded if s.expected_status == "valid"]
        return {
            "suppliers": len(self.suppliers),
            "in_scope": len(in_scope),
            "responded": len(responded),
            "response_rate": round(100 * len(responded) / len(in_scope), 1) if in_scope else 0.0,
            "valid": len(valid),
            "invalid": len(responded) - len(valid),
            "watchlisted_suppliers": sorted(s.supplier_id for s in responded if s.watchlisted),
        }

    def suppliers_reaching(self, cid: str) -> list[str]:
        return sorted(s.supplier_id for s in self.suppliers if cid in s.cids)

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "n_suppliers": self.n_suppliers, "out_dir": self.out_dir,
                "master_list": self.master_list, "reference_date": self.reference_date,
                "figures": self.figures(), "suppliers": [asdict(s) for s in self.suppliers]}

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


@dataclass
class GeneratedSupplier:
    plan: SupplierPlan
    spec: CmrtSpec | None


# ----------------------------------------------------------------------------------------------
# facilities
# ----------------------------------------------------------------------------------------------


def country_name(iso2: str) -> str:
    """The template's spelling of a country (upper-case English short name)."""
    c = pycountry.countries.get(alpha_2=iso2.upper()) if iso2 else None
    return (getattr(c, "common_name", None) or c.name).upper() if c else iso2.upper()


def starter_facilities(starter_dir: Path = STARTER_DIR) -> list[Facility]:
    """Facilities from the project's facts-only starter set: the CID list (facilities.csv) plus the
    2016 report's Appendix A names (no CIDs), deduplicated by metal + name."""
    out: list[Facility] = []
    seen: set[tuple[str, str]] = set()
    path = starter_dir / "facilities.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = (row["metal"].strip(), row["name"].strip().casefold())
                if key in seen or not row.get("cid"):
                    continue
                seen.add(key)
                # the name the 2016 Appendix A prints for this CID is the same facility, not another one
                seen.add((row["metal"].strip(), (row.get("appendix_a_name") or "").strip().casefold()))
                out.append(Facility(row["cid"].strip(), row["metal"].strip(), row["name"].strip(),
                                    country_name(row.get("country_iso2", "")), city=(row.get("city") or None)))
    path = starter_dir / "report_2016_appendix_a.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = (row["metal"].strip(), row["name"].strip().casefold())
                if key in seen:
                    continue
                seen.add(key)
                country = (row.get("location") or "").strip() or country_name(row.get("country_iso2", ""))
                out.append(Facility(None, row["metal"].strip(), row["name"].strip(), country.upper()))
    return out


def starter_watchlist(starter_dir: Path = STARTER_DIR) -> list[str]:
    path = starter_dir / "watchlist.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["cid"].strip() for row in csv.DictReader(fh) if row.get("cid")]


# ----------------------------------------------------------------------------------------------
# generation
# ----------------------------------------------------------------------------------------------


def _company_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(1000):
        name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {rng.choice(_SUFFIX)}"
        if name not in used:
            used.add(name)
            return name
    name = f"Supplier {len(used) + 1} Ltd."
    used.add(name)
    return name


def _domain(name: str) -> str:
    stem = "".join(ch for ch in name.split()[0] + name.split()[1] if ch.isalnum()).lower()
    return f"{stem}.example"


def _row_count(rng: random.Random, large_share: float) -> int:
    if rng.random() < large_share:
        return rng.randint(300, 420)
    # most list 1–40, skewed low
    return max(1, min(40, int(rng.expovariate(1 / 12)) + 1))


def _misspell(rng: random.Random, name: str) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name + "s"
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return name[:i] + name[i + 1:]  # drop a letter
    if kind == 1:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # swap two letters
    return name.upper()  # shouting is a "misspelling" exact matching misses


def _row_for(f: Facility, rng: random.Random) -> SmelterSpec:
    row = SmelterSpec.listed(f)
    if f.cid is None:
        row.id_source = None
    if rng.random() < 0.3:
        row.mine_names, row.mine_countries = "Unknown", "Unknown"
    return row


def plan_supplier(
    rng: random.Random,
    index: int,
    facilities: Sequence[Facility],
    *,
    watchlist: Sequence[str],
    invalid: bool,
    used_names: set[str],
    large_share: float,
    watchlist_share: float,
    reference_date: date,
    versions: Sequence[str],
    language_share: float = 0.0,
    cached_formulas_share: float = 0.0,
) -> GeneratedSupplier:
    """Decide one responding supplier's CMRT spec and record every expectation on its plan."""
    name = _company_name(rng, used_names)
    domain = _domain(name)
    sid = f"S{index:05d}"
    watch = {c for c in watchlist}
    ordinary = [f for f in facilities if f.cid not in watch]
    listed_watch = [f for f in facilities if f.cid in watch]
    by_metal: dict[str, list[Facility]] = {}
    for f in ordinary:
        by_metal.setdefault(f.metal, []).append(f)
    available = [m for m in CMRT_METALS if by_metal.get(m)]
    metals = sorted(rng.sample(available, k=rng.randint(1, len(available))), key=CMRT_METALS.index)
    n_rows = max(len(metals), _row_count(rng, large_share))
    rows: list[SmelterSpec] = []
    plan = SupplierPlan(supplier_id=sid, name=name, category="direct",
                        last_purchase=(reference_date - timedelta(days=rng.randint(10, 700))).isoformat(),
                        contact_email=f"compliance@{domain}", in_scope=True, responded=True,
                        version=rng.choices(list(versions), weights=[_VERSION_WEIGHTS.get(v, 0.1)
                                                                     for v in versions])[0],
                        scope=rng.choices(["A", "B", "C"], weights=[0.6, 0.3, 0.1])[0])
    # ordinary rows, at least one per declared metal; distinct facilities first, then repeats
    # (consolidators repeat smelters, small lists rarely do)
    shuffled = {m: rng.sample(by_metal[m], k=len(by_metal[m])) for m in metals}
    taken = dict.fromkeys(metals, 0)
    for i in range(n_rows):
        metal = metals[i] if i < len(metals) else rng.choice(metals)
        pool = shuffled[metal]
        pick = pool[taken[metal]] if taken[metal] < len(pool) else rng.choice(pool)
        taken[metal] += 1
        rows.append(_row_for(pick, rng))
    # watchlisted smelters
    if listed_watch and rng.random() < watchlist_share:
        for f in rng.sample(listed_watch, k=min(len(listed_watch), rng.randint(1, 2))):
            if f.metal not in metals:
                metals = sorted([*metals, f.metal], key=CMRT_METALS.index)
            rows.insert(rng.randrange(len(rows) + 1), _row_for(f, rng))
    # data-quality noise that does not invalidate the form
    if rng.random() < 0.15:
        row = rng.choice(rows)
        if row.cid is None or rng.random() < 0.5:
            typo = _misspell(rng, row.name or "")
            row.lookup, row.name, row.cid, row.id_source, row.standard_name = "Smelter not listed", typo, None, None, \
                None
            plan.misspelled.append(typo)
    if rng.random() < 0.1:
        unknown = rng.choice(_UNKNOWN_SMELTERS)
        rows.append(SmelterSpec.not_listed(rng.choice(metals), unknown, rng.choice(_UNKNOWN_COUNTRIES)))
        plan.unknown_names.append(unknown)
    q7_no: set[str] = set()
    if rng.random() < 0.1:
        metal = rng.choice(metals)
        rows.append(SmelterSpec.not_yet_identified(metal))
        q7_no.add(metal)
    if rng.random() < 0.1 and rows:
        rows.append(SmelterSpec(**{k: v for k, v in asdict(rng.choice(rows)).items() if k != "row"}))

    spec = complete_spec(company_name=name, metals=metals, smelters=rows, scope=plan.scope,
                         effective_date=reference_date - timedelta(days=rng.randint(0, 150)), email_domain=domain)
    spec.company["contact_email"] = plan.contact_email
    for metal in q7_no:
        spec.answers["Q7"][metal] = "No"
    if plan.scope == "B":
        spec.products = [ProductSpec(f"{sid}-P{j:03d}", f"Part {j}") for j in range(1, rng.randint(2, 6))]

    # defects
    defects: list[str] = []
    if invalid:
        candidates = list(INVALID_DEFECTS)
        if plan.scope != "B":
            candidates.remove("product_list_missing")
        if len(metals) < 2:
            candidates.remove("metal_without_smelters")  # keep at least one metal with rows
        defects = rng.sample(candidates, k=rng.choice([1, 1, 1, 2]))
    elif rng.random() < 0.2:
        defects = [rng.choice(WARNING_DEFECTS)]
    for d in defects:
        apply_defect(d, spec, rng, metals, reference_date)

    plan.defects = defects
    plan.expected_findings = sorted({DEFECT_FINDINGS[d] for d in defects})
    plan.expected_status = "invalid" if any(d in INVALID_DEFECTS for d in defects) else "valid"
    plan.expected_checker_missing = sum(1 for d in defects if d in INVALID_DEFECTS)
    # the cached Checker!D2 Excel would have left in the file ("0" as text when complete)
    spec.checker_d2 = plan.expected_checker_missing or "0"
    plan.metals = list(metals)
    summarise_rows(plan, spec.smelters, watch)
    if rng.random() < language_share:
        spec.language = plan.language = "中文 Chinese"
    plan.cached_formulas = rng.random() < cached_formulas_share
    return GeneratedSupplier(plan, spec)


def apply_defect(defect: str, spec: CmrtSpec, rng: random.Random, metals: list[str], reference_date: date) -> None:
    c = spec.company
    if defect == "missing_company_name":
        c["name"] = None
    elif defect == "missing_contact_email":
        c["contact_email"] = None
    elif defect == "email_without_at":
        c["authorizer_email"] = str(c["authorizer_email"]).replace("@", " at ")
    elif defect == "missing_effective_date":
        c["effective_date"] = None
    elif defect == "unanswered_question":
        metal = rng.choice(metals)
        spec.answers[rng.choice(["Q3", "Q4", "Q5", "Q6", "Q8"])][metal] = None
    elif defect == "metal_without_smelters":
        metal = rng.choice(metals)
        spec.smelters = [s for s in spec.smelters if s.metal != metal]
    elif defect == "not_listed_incomplete":
        spec.smelters.append(SmelterSpec(metal=rng.choice(metals), lookup="Smelter not listed",
                                         name=rng.choice(_UNKNOWN_SMELTERS), country=None))
    elif defect == "product_list_missing":
        spec.products = []
    elif defect == "policy_url_missing":
        spec.policy_url = None
    elif defect == "future_date":
        c["effective_date"] = reference_date + timedelta(days=rng.randint(400, 800))
    elif defect == "malformed_email":
        c["contact_email"] = str(c["contact_email"]).replace(".", ",", 1)
    elif defect == "malformed_cid":
        candidates = [s for s in spec.smelters if s.cid]
        if candidates:
            row = rng.choice(candidates)
            row.cid = row.cid.replace("CID", "CID-") if row.cid else row.cid
        else:
            spec.smelters.append(SmelterSpec(metal=rng.choice(metals), lookup="Smelter not listed",
                                             name=rng.choice(_UNKNOWN_SMELTERS), country="CHINA", cid="NA-123"))
    elif defect == "q7_yes_with_unidentified":
        metal = rng.choice(metals)
        spec.smelters.append(SmelterSpec.not_yet_identified(metal))
        spec.answers["Q7"][metal] = "Yes"
    else:  # pragma: no cover - programming error
        raise ValueError(defect)


def summarise_rows(plan: SupplierPlan, rows: Iterable[SmelterSpec], watch: set[str]) -> None:
    """(Re)compute a plan's row expectations from the rows actually written."""
    plan.not_yet_identified = plan.duplicate_rows = 0
    rows = list(rows)
    plan.smelter_rows = len(rows)
    counts: dict[str, int] = {}
    seen: set[tuple[Any, ...]] = set()
    cids: list[str] = []
    for r in rows:
        counts[r.metal or "?"] = counts.get(r.metal or "?", 0) + 1
        if r.lookup == "Smelter not yet identified":
            plan.not_yet_identified += 1
            continue
        key = (r.metal, r.cid) if r.cid and r.cid.startswith("CID") and len(r.cid) == 9 else \
            (r.metal, (r.name or "").casefold(), (r.country or "").casefold())
        if key in seen:
            plan.duplicate_rows += 1
        seen.add(key)
        if r.cid and r.cid not in cids:
            cids.append(r.cid)
    plan.rows_by_metal = dict(sorted(counts.items()))
    plan.cids = sorted(cids)
    plan.watchlisted = sorted(c for c in cids if c in watch)


def generate_program(
    out_dir: str | Path | None,
    n_suppliers: int,
    seed: int = 1,
    facilities: Sequence[Facility] | None = None,
    *,
    watchlist: Sequence[str] | None = None,
    invalid_share: float = 0.1,
    response_rate: float = 1.0,
    out_of_scope_share: float = 0.0,
    large_share: float = 0.03,
    watchlist_share: float = 0.08,
    versions: Sequence[str] = VERSIONS,
    reference_date: date = date(2025, 12, 31),
    master_list: bool = False,
    write: bool = True,
    lean: bool = False,
    language_share: float = 0.1,
    cached_formulas_share: float = 0.3,
) -> ProgramManifest:
    """Build a supplier program of `n_suppliers` (deterministic for a given seed).

    Every supplier is in the master list; `out_of_scope_share` of them are service/indirect/inactive
    (no CMRT), `response_rate` of the in-scope ones answered with a CMRT, `invalid_share` of those
    forms are invalid. With `write` the CMRTs go to out_dir/cmrt/<id>_<name>.xlsx, the master list to
    out_dir/suppliers.csv (when `master_list`) and the manifest to out_dir/manifest.json.
    `language_share` of the forms are saved in Chinese (labels only; answers stay English),
    `cached_formulas_share` keep the look-up formulas with cached values (the rest have values pasted
    over them, as both kinds arrive from real suppliers); `lean`
    writes lighter files (no country list, no Look-up rows) for large benchmark programs.
    Without `facilities` the project's starter set is used (and its watchlist, unless given).
    """
    if isinstance(out_dir, int) and isinstance(n_suppliers, str | Path):  # tolerate (n, out_dir)
        out_dir, n_suppliers = n_suppliers, out_dir
    if facilities is None:
        facilities = starter_facilities()
        if watchlist is None:
            watchlist = starter_watchlist()
    watchlist = list(watchlist or ())
    if not facilities:
        raise ValueError("generate_program needs at least one facility")
    rng = random.Random(seed)
    used: set[str] = set()
    plans: list[SupplierPlan] = []
    specs: dict[str, CmrtSpec] = {}
    n_out = round(n_suppliers * out_of_scope_share)
    out_idx = set(rng.sample(range(n_suppliers), k=n_out)) if n_out else set()
    in_scope_idx = [i for i in range(n_suppliers) if i not in out_idx]
    n_resp = round(len(in_scope_idx) * response_rate)
    resp_idx = set(rng.sample(in_scope_idx, k=n_resp))
    n_invalid = round(n_resp * invalid_share)
    invalid_idx = set(rng.sample(sorted(resp_idx), k=n_invalid)) if n_invalid else set()
    for i in range(n_suppliers):
        sub = random.Random(rng.getrandbits(64))
        if i in resp_idx:
            gen = plan_supplier(sub, i + 1, facilities, watchlist=watchlist, invalid=i in invalid_idx,
                                used_names=used, large_share=large_share, watchlist_share=watchlist_share,
                                reference_date=reference_date, versions=versions, language_share=language_share,
                                cached_formulas_share=cached_formulas_share)
            plans.append(gen.plan)
            assert gen.spec is not None
            specs[gen.plan.supplier_id] = gen.spec
            continue
        name = _company_name(sub, used)
        plan = SupplierPlan(supplier_id=f"S{i + 1:05d}", name=name, category="direct",
                            last_purchase=(reference_date - timedelta(days=sub.randint(10, 700))).isoformat(),
                            contact_email=f"compliance@{_domain(name)}", in_scope=i not in out_idx, responded=False)
        if i in out_idx:
            reason = sub.choice(["service", "indirect", "inactive"])
            plan.out_of_scope_reason = reason
            if reason == "inactive":
                plan.last_purchase = (reference_date - timedelta(days=sub.randint(5 * 366 + 30, 9 * 365))).isoformat()
            else:
                plan.category = reason
        plans.append(plan)
    manifest = ProgramManifest(seed=seed, n_suppliers=n_suppliers, out_dir=str(out_dir) if out_dir else None,
                               suppliers=plans, reference_date=reference_date.isoformat())
    if write and out_dir is not None:
        write_program(manifest, specs, Path(out_dir), facilities=facilities, master_list=master_list, lean=lean)
    manifest.specs = specs
    return manifest


def _file_name(plan: SupplierPlan) -> str:
    stem = "".join(ch if ch.isalnum() else "_" for ch in plan.name).strip("_")
    return f"{plan.supplier_id}_{stem}_CMRT_{plan.version}.xlsx"


def write_program(manifest: ProgramManifest, specs: dict[str, CmrtSpec], out_dir: Path, *,
                  facilities: Sequence[Facility] = (), master_list: bool = False, lean: bool = False) -> None:
    """Write the CMRTs (out_dir/cmrt/), the master list (out_dir/suppliers.csv) and manifest.json."""
    cmrt_dir = out_dir / "cmrt"
    cmrt_dir.mkdir(parents=True, exist_ok=True)
    lookup = [f for f in facilities if f.cid]
    for plan in manifest.suppliers:
        spec = specs.get(plan.supplier_id)
        if spec is None:
            continue
        plan.file = f"cmrt/{_file_name(plan)}"
        write_cmrt(spec, out_dir / plan.file, version=plan.version or "6.5", facilities=() if lean else lookup,
                   lean=lean, cached_formulas=plan.cached_formulas)
    if master_list:
        write_master_list(manifest, out_dir / "suppliers.csv")
        manifest.master_list = "suppliers.csv"
    manifest.write(out_dir / "manifest.json")


def write_master_list(manifest: ProgramManifest, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier ID", "Supplier Name", "Category", "Last Purchase Date", "Contact Email"])
        for s in manifest.suppliers:
            w.writerow([s.supplier_id, s.name, s.category, s.last_purchase, s.contact_email])
    return path
