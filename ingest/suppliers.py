"""Read the company's supplier master list (CSV or spreadsheet) into typed supplier records.

Why its own reader: the master list is the start of the program (scope the vendor list,
then survey). Every ERP exports it differently, so headers are matched tolerantly ("Vendor No.",
"Supplier ID", "supplier_id" …), dates in any common spelling or Excel serials, categories mapped to
direct / indirect / service. A bad row becomes a `Finding` naming the file and row and the batch
carries on — one typo must not stop a 3 000-row import.

Example:
    >>> result = read_supplier_list("vendors.csv")            # doctest: +SKIP
    >>> [s.id for s in result.suppliers][:2], [f.location for f in result.findings][:1]  # doctest: +SKIP
    (['S-001', 'S-002'], ['vendors.csv!row 7'])
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from minetrace.ingest.findings import make_finding
from minetrace.ingest.records import Finding
from minetrace.ingest.workbook import UnreadableWorkbook, Workbook, open_workbook

#: canonical field → header spellings (compared after `_norm_header`)
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("supplierid", "supplierno", "suppliernumber", "suppliercode", "vendorid", "vendorno", "vendornumber",
           "vendorcode", "id", "code", "number", "no", "accountnumber", "supplieraccount", "erpid",
           "sapvendor", "sapvendornumber", "creditorid", "creditornumber", "lieferantennummer"),
    "name": ("suppliername", "vendorname", "name", "companyname", "company", "supplier", "legalname",
             "suppliercompany", "businessname"),
    "aliases": ("aliases", "alias", "othernames", "aka", "alsoknownas", "dba", "tradename", "tradenames",
                "formernames", "alternatenames", "alternativenames"),
    "category": ("category", "suppliercategory", "vendorcategory", "type", "suppliertype", "vendortype",
                 "materialtype", "materialcategory", "classification", "spendcategory", "purchasecategory",
                 "directindirect", "directindirectservice"),
    "last_purchase": ("lastpurchasedate", "lastpurchase", "lastpodate", "lastpo", "lastorderdate",
                      "lastorder", "lastinvoicedate", "lastactivity", "lastactivitydate", "lasttransactiondate",
                      "lastpurchased", "datelastpurchase", "dateoflastpurchase"),
    "contact_email": ("contactemail", "email", "emailaddress", "contactemailaddress", "suppliercontactemail",
                      "contact", "mail", "primarycontactemail", "compliancecontactemail"),
    "contact_name": ("contactname", "contactperson", "primarycontact", "suppliercontact"),
    "language": ("language", "preferredlanguage", "lang", "languagecode", "contactlanguage", "communicationlanguage",
                 "correspondencelanguage", "locale", "sprache", "yuyan"),
    "spend": ("spend", "annualspend", "spendusd", "totalspend", "spendamount", "amount", "purchasevolume",
              "annualpurchases", "spendeur"),
}

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("service", "service"), ("services", "service"), ("serviceprovider", "service"), ("svc", "service"),
    ("indirect", "indirect"), ("indirectmaterial", "indirect"), ("indirectmaterials", "indirect"),
    ("mro", "indirect"), ("nonproduction", "indirect"), ("nonproductive", "indirect"),
    ("direct", "direct"), ("directmaterial", "direct"), ("directmaterials", "direct"), ("production", "direct"),
    ("productive", "direct"), ("bom", "direct"), ("rawmaterial", "direct"), ("components", "direct"),
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class MasterSupplier:
    """One master-list row, normalised. `row` is the 1-based sheet/CSV line it came from."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    category: str | None = None  # "direct" | "indirect" | "service" | None (unknown)
    category_raw: str | None = None
    last_purchase: date | None = None
    contact_email: str | None = None
    email_domain: str | None = None
    contact_name: str | None = None
    language: str | None = None  # as written ("zh", "Chinese", "中文" …); the campaign picks its message language
    spend: float | None = None
    source: str | None = None  # file name
    row: int | None = None


@dataclass
class SupplierListResult:
    suppliers: list[MasterSupplier] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    file: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # canonical field → header as written

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings) and bool(self.suppliers)


def _norm_header(text: Any) -> str:
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().casefold()
    s = s.replace("e-mail", "email").replace("#", "no")
    return re.sub(r"[^a-z0-9]", "", s)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).replace("\u00a0", " ").split())
    return text or None


def match_columns(headers: list[Any]) -> dict[str, int]:
    """Canonical field → 0-based column index for a header row (exact synonym first, then prefix)."""
    normed = [_norm_header(h) for h in headers]
    found: dict[str, int] = {}
    for fieldname, synonyms in HEADER_SYNONYMS.items():
        for syn in synonyms:
            if syn in normed and normed.index(syn) not in found.values():
                found[fieldname] = normed.index(syn)
                break
    for fieldname, synonyms in HEADER_SYNONYMS.items():
        if fieldname in found:
            continue
        for i, h in enumerate(normed):
            if h and i not in found.values() and any(h.startswith(s) for s in synonyms if len(s) >= 5):
                found[fieldname] = i
                break
    return found


def normalise_category(value: Any) -> str | None:
    """'Direct material' → 'direct', 'Services' → 'service', 'MRO' → 'indirect'; None when unknown."""
    key = _norm_header(value)
    if not key:
        return None
    for word, cat in CATEGORY_WORDS:
        if key == word:
            return cat
    for word, cat in CATEGORY_WORDS:  # "indirect" must win over "direct" in "indirect spend"
        if len(word) >= 5 and word in key:
            return cat
    return None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y%m%d", "%d-%b-%Y", "%d %b %Y",
                 "%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%Y-%m", "%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                 "%m/%d/%y", "%d.%m.%y")


def parse_date(value: Any, book: Workbook | None = None) -> date | None:
    """A date from a cell or CSV text; raises ValueError when the text is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1900 <= value <= 2200:  # a bare year
            return date(int(value), 12, 31)
        if book is not None:
            d = book.to_date(value)
            if d:
                return d
        if 1 <= value < 2958466:
            from datetime import timedelta
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(f"{value!r} is not a date")
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 12, 31)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _parse_spend(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = re.sub(r"[^\d,.\-]", "", str(value))
    if text.count(",") and text.count("."):  # the last separator is the decimal one: 1.234,50 / 1,234.50
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif text.count(",") == 1 and len(text.split(",")[1]) != 3:
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text)


def _split_aliases(value: Any) -> list[str]:
    text = _clean(value)
    if not text:
        return []
    return [p.strip() for p in re.split(r"[;|\n]", text) if p.strip()]


def _rows_from_csv(data: bytes) -> list[list[Any]]:
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """(0-based index of the header row, column map) — the first of the top 20 rows naming id and name."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for i, row in enumerate(rows[:20]):
        cols = match_columns(row)
        if "id" in cols and "name" in cols:
            return i, cols
        if len(cols) > len(best[1]):
            best = (i, cols)
    return best


def _first_filled_sheet(book: Workbook) -> str:
    for sheet_name in book.sheet_names:
        sh = book.sheet(sheet_name)
        if sh is not None and any(any(_clean(v) for v in r) for r in sh.rows[:20]):
            return sheet_name
    return book.sheet_names[0]


def read_supplier_list(source: str | Path | bytes, name: str | None = None,
                       sheet: str | None = None) -> SupplierListResult:
    """Read a master list (CSV/TSV, xlsx, xls, ods). Never raises for bad content: problems are findings."""
    if isinstance(source, bytes):
        data, fname = source, name or "<bytes>"
    else:
        path = Path(source)
        fname = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            return SupplierListResult(file=fname, findings=[make_finding("supplier_list_unreadable", fname,
                                                                    f"cannot open file ({exc.strerror or exc})")])
    result = SupplierListResult(file=fname)
    book: Workbook | None = None
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        try:
            book = open_workbook(data, name=fname)
            wanted = sheet or _first_filled_sheet(book)
            sh = book.sheet(wanted)
            if sh is None:
                raise UnreadableWorkbook(fname, "no_sheet", f"no sheet named {wanted!r}")
            rows = sh.rows
        except UnreadableWorkbook as exc:
            result.findings.append(make_finding("supplier_list_unreadable", fname, exc.message))
            return result
    else:
        try:
            rows = _rows_from_csv(data)
        except csv.Error as exc:  # e.g. a stray carriage return inside a field
            result.findings.append(make_finding("supplier_list_unreadable", fname, f"not a readable CSV ({exc})"))
            return result

    header_at, cols = _find_header(rows)
    if "id" not in cols or "name" not in cols:
        missing = [f for f in ("id", "name") if f not in cols]
        result.findings.append(make_finding(
            "supplier_list_no_header", fname,
            f"no header row with a supplier ID and a name column in the first 20 rows (missing: "
            f"{', '.join(missing)}); expected headers such as 'Supplier ID', 'Supplier Name', 'Category', "
            "'Last Purchase Date', 'Contact Email', 'Spend'"))
        return result
    header = rows[header_at]
    result.columns = {f: str(header[i]) for f, i in cols.items()}
    seen: dict[str, int] = {}

    def get(row: list[Any], fieldname: str) -> Any:
        i = cols.get(fieldname)
        if i is None or i >= len(row):
            return None
        return row[i]

    for idx in range(header_at + 1, len(rows)):
        row = rows[idx]
        line = idx + 1
        where = f"{fname}!row {line}"
        if not any(_clean(v) for v in row):
            continue
        sid = _clean(get(row, "id"))
        sname = _clean(get(row, "name"))
        if not sid:
            result.findings.append(make_finding("supplier_missing_id", where,
                                           f"no supplier ID (name {sname!r}); row skipped"))
            continue
        if not sname:
            result.findings.append(make_finding("supplier_missing_name", where,
                                           f"supplier {sid!r} has no name; row skipped"))
            continue
        if sid in seen:
            result.findings.append(make_finding("supplier_duplicate_id", where,
                                           f"supplier ID {sid!r} already on row {seen[sid]}; this row ignored"))
            continue
        rec = MasterSupplier(id=sid, name=sname, aliases=_split_aliases(get(row, "aliases")), source=fname, row=line)
        raw_cat = _clean(get(row, "category"))
        rec.category_raw = raw_cat
        rec.category = normalise_category(raw_cat)
        if raw_cat and rec.category is None:
            result.findings.append(make_finding("supplier_unknown_category", where,
                                           f"category {raw_cat!r} of {sid} is not direct, indirect or service; "
                                           "kept as unknown (in scope)"))
        try:
            rec.last_purchase = parse_date(get(row, "last_purchase"), book)
        except ValueError as exc:
            result.findings.append(make_finding("supplier_bad_date", where,
                                           f"last purchase date of {sid}: {exc}; left empty"))
        email = _clean(get(row, "contact_email"))
        if email:
            email = email.removeprefix("mailto:")
            if _EMAIL.match(email):
                rec.contact_email = email
                rec.email_domain = email.rsplit("@", 1)[1].lower()
            else:
                rec.contact_email = email
                result.findings.append(make_finding("supplier_bad_email", where,
                                               f"contact e-mail {email!r} of {sid} does not look like an address"))
        rec.contact_name = _clean(get(row, "contact_name"))
        rec.language = _clean(get(row, "language"))
        try:
            rec.spend = _parse_spend(get(row, "spend"))
        except ValueError:
            result.findings.append(make_finding("supplier_bad_spend", where,
                                           f"spend {get(row, 'spend')!r} of {sid} is not a number; left empty"))
        seen[sid] = line
        result.suppliers.append(rec)
    if not result.suppliers:
        result.findings.append(make_finding("supplier_list_empty", fname, "no supplier rows under the header"))
    return result


_LEGAL = re.compile(r"\b(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|s\.a|spa|bv|"
                    r"nv|kg|oy|ab|as|pte|pty|sdn|bhd|kk|srl|sarl|sas|jsc|ojsc|pt|the)\b\.?")


def normalise_company(name: Any) -> str:
    """Case-folded, accent-free company name without legal-form tokens or punctuation."""
    s = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode().casefold()
    s = s.replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = _LEGAL.sub(" ", s)
    return " ".join(s.split())


#: wording after a company's own name that names its parent, a former name or a trade name ("EMD Electronics, a
#: business of Merck KGaA, Darmstadt, Germany", "Acme Ltd (formerly Acme Metals)", "X Inc. d/b/a Y")
_PARENT_WORDING = re.compile(
    r"(,|\(|\s-\s|\s)\s*(an?\s+)?(business|division|subsidiary|unit|member|affiliate|company|part|brand|"
    r"operating\s+company|group\s+company)\s+of\b.*$|"
    r"(,|\()\s*(formerly|previously|now|known\s+as|doing\s+business\s+as|d/?b/?a|t/a|trading\s+as)\b.*$|"
    r"\s+(d/b/a|dba|t/a|trading\s+as|doing\s+business\s+as)\s.*$", re.IGNORECASE)


def variant_key(name: Any) -> str:
    """The company's own name, normalised: without its parent / former-name / trade-name wording and bracketed
    notes ("EMD Electronics, a business of Merck KGaA, Darmstadt, Germany" → "emd electronics")."""
    text = " ".join(str(name or "").split())
    cut = _PARENT_WORDING.sub("", text)
    cut = re.sub(r"\([^)]*\)", " ", cut)
    return normalise_company(cut if cut.strip() else text)


@dataclass
class SupplierMatch:
    supplier_id: str
    method: str  # "id", "name", "alias", "email_domain", "name_variant", "fuzzy"
    score: float = 100.0


@dataclass
class SupplierCandidate:
    """A master-list supplier a declared company may be, with its score and why (a proposal, never a link)."""

    supplier_id: str
    name: str
    score: float
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"supplier_id": self.supplier_id, "name": self.name, "score": round(self.score, 1), "why": self.why}


def name_score(declared: Any, master_names: list[str]) -> tuple[float, str]:
    """(score 0-100, why) of the closest of a master supplier's names to a declared company name: the same name
    without legal form or parent wording scores 95; otherwise rapidfuzz's token-sort ratio, or its token-set
    ratio when one name holds the other word for word and the shorter says enough (two words, eight letters).

    >>> name_score("EMD Electronics, a business of Merck KGaA, Darmstadt, Germany", ["EMD Electronics"])[0]
    95.0
    >>> name_score("SK specialty Co., Ltd", ["SK Inc."])[0] < 80
    True
    """
    from rapidfuzz import fuzz

    key, var = normalise_company(declared), variant_key(declared)
    best: tuple[float, str] = (0.0, "")
    for n in master_names:
        nk = normalise_company(n)
        if not nk or not key:
            continue
        if nk == key:
            return 100.0, f"same name as {n!r}"
        if var and (variant_key(n) == var or nk == var):
            cand = (95.0, f"{n!r} without legal form or parent wording")
        else:
            set_r, sort_r = fuzz.token_set_ratio(key, nk), fuzz.token_sort_ratio(key, nk)
            shorter = min(key, nk, key=len)
            # one name word for word inside the other counts only when the shorter one says enough ("SK" does not)
            inside = (set(nk.split()) <= set(key.split()) or set(key.split()) <= set(nk.split())) and \
                len(shorter.split()) >= 2 and len(shorter) >= 8
            score = max(sort_r, set_r * (0.92 if inside else 0.6))
            cand = (float(score), f"similar to {n!r}")
        if cand[0] > best[0]:
            best = cand
    return best


def candidates(company_name: Any, contact_email: Any, suppliers: list[MasterSupplier], limit: int = 3,
               floor: float = 55.0) -> list[SupplierCandidate]:
    """The master-list suppliers a declared company may be, best first (score ≥ `floor`, at most `limit`): the
    contact e-mail's domain on the master list scores 100, names by `name_score`. Proposals for an analyst."""
    domain = str(contact_email).rsplit("@", 1)[1].strip().strip(">").lower() if contact_email and "@" in \
        str(contact_email) else None
    out: list[SupplierCandidate] = []
    for s in suppliers:
        score, why = name_score(company_name, [s.name, *s.aliases])
        if domain and s.email_domain == domain:
            score, why = 100.0, f"contact e-mail domain {domain} is {s.id}'s" + (f"; {why}" if why else "")
        if score >= floor:
            out.append(SupplierCandidate(s.id, s.name, score, why))
    out.sort(key=lambda c: (-c.score, c.supplier_id))
    return out[:limit]


def match_supplier(company_name: str | None, contact_email: str | None, suppliers: list[MasterSupplier],
                   unique_id: str | None = None, fuzzy_threshold: float = 92.0) -> SupplierMatch | None:
    """Tie a declaration's company block to a master-list supplier, most certain method first:
    supplier ID written as the company's unique ID, exact normalised name or alias, the contact
    e-mail's domain (when only one supplier uses it), the name without its parent or former-name
    wording ("…, a business of Merck KGaA" — one supplier only), then a fuzzy name match above the
    threshold with a single best candidate. None when nothing is certain enough. The last two are
    proposals: the form is linked but held (graph.supplier_link.identity_hold)."""
    if unique_id:
        for s in suppliers:
            if s.id == str(unique_id).strip():
                return SupplierMatch(s.id, "id")
    key = normalise_company(company_name)
    if key:
        for s in suppliers:
            if normalise_company(s.name) == key:
                return SupplierMatch(s.id, "name")
        for s in suppliers:
            if any(normalise_company(a) == key for a in s.aliases):
                return SupplierMatch(s.id, "alias")
    if contact_email and "@" in contact_email:
        domain = contact_email.rsplit("@", 1)[1].strip().lower()
        hits = [s for s in suppliers if s.email_domain == domain]
        if len(hits) == 1:
            return SupplierMatch(hits[0].id, "email_domain")
    var = variant_key(company_name)
    if var and var != key:  # the name without parent / former-name wording: a proposal, held like a fuzzy match
        hits = [s for s in suppliers if var in {variant_key(n) for n in (s.name, *s.aliases)}]
        if len(hits) == 1:
            return SupplierMatch(hits[0].id, "name_variant", 95.0)
    if key:
        from rapidfuzz import fuzz
        scored = []
        for s in suppliers:
            names = [s.name, *s.aliases]
            best = max(fuzz.token_sort_ratio(key, normalise_company(n)) for n in names)
            scored.append((best, s.id))
        scored.sort(reverse=True)
        if scored and scored[0][0] >= fuzzy_threshold and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return SupplierMatch(scored[0][1], "fuzzy", float(scored[0][0]))
    return None
