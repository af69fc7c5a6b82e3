"""In-memory declarations for the graph benchmarks and store tests — no workbook involved.

Why: measuring the store at 10k suppliers / 1M smelter rows must not spend its time writing and
reading 10k xlsx files, and the store contract tests must not depend on the reader. These
builders make `Declaration` records (plus their `Resolution`s) shaped like real CMRTs: most
suppliers list 1–40 smelters, a few list 300+, some forms are invalid, some names unresolved.
Workbook-level synthetic programs (real xlsx files) live in `app.synthetic.workbooks`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from minetrace.graph.resolving import provisional_key
from minetrace.ingest.findings import make_finding
from minetrace.ingest.records import (
    CompanyInfo,
    Declaration,
    FileInfo,
    MineRow,
    ProductRow,
    Resolution,
    SmelterRow,
    TemplateInfo,
)

METALS = ("Tin", "Tantalum", "Tungsten", "Gold")
COUNTRIES = ("CN", "ID", "MY", "TH", "BR", "RW", "CD", "US", "DE", "JP", "BE", "CH", "PE", "BO", "RU", "KR")
COUNTRY_NAMES = {"CN": "CHINA", "ID": "INDONESIA", "MY": "MALAYSIA", "TH": "THAILAND", "BR": "BRAZIL",
                 "RW": "RWANDA", "CD": "CONGO, DEMOCRATIC REPUBLIC OF THE", "US": "UNITED STATES OF AMERICA",
                 "DE": "GERMANY", "JP": "JAPAN", "BE": "BELGIUM", "CH": "SWITZERLAND", "PE": "PERU",
                 "BO": "BOLIVIA", "RU": "RUSSIAN FEDERATION", "KR": "KOREA, REPUBLIC OF"}


@dataclass(frozen=True)
class Facility:
    cid: str
    metal: str
    name: str
    country_iso2: str


def facility_pool(n: int = 500, seed: int = 7) -> list[Facility]:
    """`n` made-up facilities (CID000001…) spread over the four metals and a few countries."""
    rng = random.Random(seed)
    return [Facility(f"CID{i:06d}", METALS[i % 4], f"Smelter {i} {METALS[i % 4]} Refining Co., Ltd.",
                     rng.choice(COUNTRIES)) for i in range(1, n + 1)]


def smelter_row(row: int, fac: Facility, mine_countries: str | None = None) -> SmelterRow:
    return SmelterRow(row=row, metal=fac.metal, lookup=fac.name, lookup_kind="listed", name=fac.name,
                      country=COUNTRY_NAMES.get(fac.country_iso2, fac.country_iso2), cid=fac.cid,
                      country_code=fac.country_iso2, mine_countries=mine_countries)


def unresolved_row(row: int, metal: str, name: str, country: str = "CHINA") -> SmelterRow:
    return SmelterRow(row=row, metal=metal, lookup="Smelter not listed", lookup_kind="not_listed", name=name,
                      country=country)


def declaration(company: str, rows: list[SmelterRow], *, effective: date | None = date(2025, 3, 1),
                scope: str | None = "A", status: str = "valid", tag: str = "", version: str = "6.5",
                email: str | None = None, products: list[ProductRow] | None = None,
                mines: list[MineRow] | None = None, file_name: str | None = None) -> Declaration:
    """One CMRT-shaped declaration; the sha256 derives from everything given (plus `tag`)."""
    payload = repr((company, [(r.row, r.metal, r.cid, r.name, r.mine_countries) for r in rows], effective, scope,
                    status, tag, version)).encode()
    sha = hashlib.sha256(payload).hexdigest()
    decl = Declaration(
        file=FileInfo(name=file_name or f"{company}-{tag or sha[:6]}.xlsx", sha256=sha, size=len(payload)),
        template=TemplateInfo(kind="CMRT", version=version, layout="cmrt-6"),
        company=CompanyInfo(name=company, scope=scope, effective_date=effective, contact_email=email),
        metals=list(METALS), smelters=rows, products=products or [], mines=mines or [],
        status=status,  # type: ignore[arg-type]
        checker_missing=0 if status == "valid" else 3,
    )
    if status == "invalid":
        decl.findings.append(make_finding("required_field_missing", "Declaration!D8", "required item missing"))
    return decl


def resolve_exact(decl: Declaration, known: dict[str, Facility] | None = None) -> list[Resolution]:
    """Resolutions by exact CID (the stand-in for the reference resolver in tests and benchmarks)."""
    out = []
    for row in decl.smelters:
        fac = (known or {}).get(row.cid or "") if known is not None else None
        if row.cid and (known is None or fac is not None):
            out.append(Resolution("resolved", row.cid, "cid", 100.0, given_cid=row.cid, metal=row.metal,
                                  standard_name=fac.name if fac else row.name,
                                  country_iso2=fac.country_iso2 if fac else row.country_code))
        else:
            out.append(Resolution("unresolved", None, "none", 0.0, given_cid=row.cid, metal=row.metal,
                                  provisional_key=provisional_key(row)))
    return out


def row_count(rng: random.Random) -> int:
    """Smelter rows of one declaration: most 1–40, about 1 in 8 between 40 and 300, 1 in 50 over 300."""
    x = rng.random()
    if x < 0.02:
        return rng.randint(300, 600)
    if x < 0.14:
        return rng.randint(41, 299)
    return rng.randint(1, 40)


def program(n_suppliers: int, seed: int = 1, pool: list[Facility] | None = None, year: int = 2025,
            invalid_rate: float = 0.05, unresolved_rate: float = 0.02) -> Iterator[tuple[Declaration, str]]:
    """(declaration, supplier name) for `n_suppliers`, realistic row counts, reproducible by seed.

    Popular facilities are reported by many suppliers (a Zipf-like draw), as in real programmes.
    """
    rng = random.Random(seed)
    pool = pool or facility_pool()
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(pool))]
    for i in range(n_suppliers):
        company = f"Supplier {i:05d} Industries"
        n = min(row_count(rng), len(pool))
        picked: list[Facility] = []
        seen: set[str] = set()
        while len(picked) < n:
            for fac in rng.choices(pool, weights=weights, k=n):
                if fac.cid not in seen and len(picked) < n:
                    seen.add(fac.cid)
                    picked.append(fac)
        rows: list[SmelterRow] = []
        for j, fac in enumerate(picked):
            r = 5 + j
            if rng.random() < unresolved_rate:
                rows.append(unresolved_row(r, fac.metal, f"Unknown smelter {rng.randint(1, 999)}"))
            else:
                mc = rng.choice(("CD | RW", "CN", "ID", None, None, None))
                rows.append(smelter_row(r, fac, mine_countries=mc))
        status = "invalid" if rng.random() < invalid_rate else "valid"
        eff = date(year + 1, rng.randint(1, 4), rng.randint(1, 28))
        yield declaration(company, rows, effective=eff, status=status, tag=f"{seed}-{i}",
                          email=f"compliance@supplier{i:05d}.example"), company
