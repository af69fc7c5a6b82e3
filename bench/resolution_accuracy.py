"""Precision and recall of smelter resolution (issue 3 target: precision >= 99.5 % at recall >= 98 %).

Two labelled sets, both resolved through the public API (`Resolver.resolve`):
A. the RMI alias table (../shared/reference/derived/smelter_aliases_3tg.csv) with realistic noise:
   case, dropped/added legal suffixes, transliteration, typos, truncation, swapped words, country
   omitted, CID typos — plus negatives (non-smelter names, other-metal names) that must not resolve;
B. names as they appear in real supplier files: Smelter List rows of ../shared/cmrt/filled/*
   (columns C/D, the row's CID as the label), resolved by name only.
The reference store is what a user would have: the RMI exports in ../shared imported into a temp
store (plus, with --templates, the CMRT 6.x / 3.01 template Look-ups).

Precision = correct resolutions / all "resolved" answers (negatives resolved count as wrong);
recall = correct resolutions / labelled positives. "review" answers are neither (sent to a human).

    .venv/bin/python bench/resolution_accuracy.py [--seed 7] [--n 3000] [--templates]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from ingest.names import LEGAL_FORMS, normalise_name  # noqa: E402
from ingest.records import SmelterRow  # noqa: E402
from ingest.reference import ReferenceStore, import_file  # noqa: E402
from ingest.resolve import Resolver  # noqa: E402

RMI_DIR = SHARED / "reference" / "rmi-export-2026-08-22"
ALIASES = SHARED / "reference" / "derived" / "smelter_aliases_3tg.csv"
TEMPLATES = ["cmrt/templates/RMI_CMRT_6.01_zh-saved.xlsx", "cmrt/templates/RMI_CMRT_6.1_zh-saved.xlsx",
             "cmrt/templates/RMI_CMRT_6.22_zh-saved.xlsx", "cmrt/templates/RMI_CMRT_6.31_zh-saved.xlsx",
             "cmrt/templates/RMI_CMRT_6.4_en.xlsx", "cmrt/templates/RMI_CMRT_6.5_en.xlsx",
             "cmrt/templates/CMRT_3.01_blank_encrypted.xls"]
SUFFIXES = [" Co., Ltd.", " Inc.", " GmbH", " S.A.", " Ltd", " LLC", " Corporation", " JSC", " AG", " Limited",
            " Co. Ltd", " K.K.", " PT"]
NON_SMELTERS = ["Samsung Electronics", "Murata Manufacturing", "TDK Corporation", "Panasonic Industrial",
                "Digi-Key Electronics", "Avnet Inc", "Arrow Electronics", "Molex LLC", "TE Connectivity",
                "Amphenol Corporation", "Vishay Intertechnology", "Foxconn Technology", "Unknown supplier",
                "Various suppliers", "Recycled scrap", "Distributor", "Texas Instruments", "Intel Corporation",
                "Hon Hai Precision", "Nichicon Corporation", "Rohm Co Ltd", "Yageo", "Bourns Inc",
                "Shenzhen Electronics Trading Co", "ABC Trading Company", "Global Metals Trading Ltd"]


def build_store(directory: Path, templates: bool = False) -> ReferenceStore:
    store = ReferenceStore(directory)
    files = sorted(RMI_DIR.glob("*.xml"))
    if templates:
        files += [SHARED / t for t in TEMPLATES if (SHARED / t).exists()]
    for f in files:
        import_file(store, f)
    return store


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(rng: random.Random, text: str) -> str:
    words = [i for i, w in enumerate(text.split()) if len(w) >= 5 and w.isalpha()]
    if not words:
        return text
    parts = text.split()
    i = rng.choice(words)
    w = parts[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.choice(["del", "ins", "sub", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "del":
        w = w[:j] + w[j + 1:]
    elif op == "ins":
        w = w[:j] + rng.choice(letters) + w[j:]
    elif op == "sub":
        w = w[:j] + rng.choice(letters) + w[j + 1:]
    else:
        w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
    parts[i] = w
    return " ".join(parts)


def drop_legal(text: str) -> str:
    kept = [w for w in text.split() if re.sub(r"[^a-z]", "", w.lower()) not in LEGAL_FORMS]
    return " ".join(kept) if kept else text


def truncate(rng: random.Random, text: str) -> str:
    parts = text.split()
    if len(parts) <= 2:
        return text
    keep = max(2, int(len(parts) * rng.uniform(0.6, 0.9)))
    return " ".join(parts[:keep])


def swap(rng: random.Random, text: str) -> str:
    parts = text.split()
    if len(parts) < 2:
        return text
    i = rng.randrange(len(parts) - 1)
    parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)


def cid_typo(rng: random.Random, cid: str) -> str:
    digits = cid[3:]
    op = rng.choice(["extra", "o", "space", "lower", "noprefix", "nbsp"])
    if op == "extra":
        j = rng.randrange(len(digits))
        return "CID" + digits[:j] + rng.choice("0123456789") + digits[j:]
    if op == "o":
        return "CID" + digits.replace("0", "O", 1)
    if op == "space":
        return "CID " + digits
    if op == "lower":
        return cid.lower()
    if op == "noprefix":
        return digits
    return "\u00a0" + cid


NOISES = ["case", "drop_legal", "add_legal", "translit", "typo", "truncate", "swap"]


def noisy(rng: random.Random, text: str) -> tuple[str, list[str]]:
    applied = []
    for op in rng.sample(NOISES, k=rng.choice([0, 1, 1, 2])):
        applied.append(op)
        if op == "case":
            text = rng.choice([str.upper, str.lower, str.title])(text)
        elif op == "drop_legal":
            text = drop_legal(text)
        elif op == "add_legal":
            text = text + rng.choice(SUFFIXES)
        elif op == "translit":
            text = strip_accents(text).replace("ü", "ue").replace("ö", "oe")
        elif op == "typo":
            text = typo(rng, text)
        elif op == "truncate":
            text = truncate(rng, text)
        elif op == "swap":
            text = swap(rng, text)
    return text, applied


def load_aliases() -> list[dict[str, str]]:
    with ALIASES.open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["cid"].startswith("CID") and len(r["alias"].strip()) > 1]


def country_of(store: ReferenceStore, cid: str) -> str | None:
    fac = store.facility(cid)
    return fac.country_iso2 if fac else None


def alias_set(store: ReferenceStore, n: int, seed: int) -> list[tuple[SmelterRow, str | None, str]]:
    """(row, expected current CID or None for negatives, description)."""
    rng = random.Random(seed)
    aliases = load_aliases()
    same: dict[tuple[str, str], set[str]] = {}
    for a in aliases:  # an alias RMI gave to several CIDs: any of them is a right answer
        same.setdefault((a["metal"], a["alias"].casefold()), set()).add(a["cid"])
    by_norm: dict[tuple[str, str], set[str]] = {}
    for a in aliases:
        by_norm.setdefault((a["metal"], normalise_name(a["alias"])), set()).add(a["cid"])
    out: list[tuple[SmelterRow, str | None, str]] = []
    for i in range(n):
        a = rng.choice(aliases)
        name, ops = noisy(rng, a["alias"])
        # noise can turn a name into another listed alias ("PT Timah Tbk Kundur" → "PT Timah"): that alias's
        # CIDs are right answers too
        label_set = same[(a["metal"], a["alias"].casefold())] | by_norm.get((a["metal"], normalise_name(name)), set())
        label = "|".join(sorted(label_set))
        country = None if rng.random() < 0.3 else country_of(store, a["cid"])
        cid = None
        if rng.random() < 0.15:
            cid = cid_typo(rng, a["cid"])
            ops.append("cid_typo")
        row = SmelterRow(row=i + 5, metal=a["metal"], lookup="Smelter not listed", lookup_kind="not_listed",
                         name=name, country=country, cid=cid)
        out.append((row, label, f"{a['alias']!r} → {name!r} [{','.join(ops) or 'clean'}]"))
    # negatives: non-smelters, and names of other metals' facilities
    by_metal: dict[str, set[str]] = {}
    tokens_of: dict[str, set[str]] = {}
    for a in aliases:
        by_metal.setdefault(a["metal"], set()).add(normalise_name(a["alias"]))
        tokens_of.setdefault(a["metal"], set()).update(normalise_name(a["alias"]).split())
    metals = sorted(by_metal)
    for j, name in enumerate(NON_SMELTERS * 4):
        name2, _ = noisy(rng, name)
        out.append((SmelterRow(row=90000 + j, metal=rng.choice(metals), lookup="Smelter not listed",
                               lookup_kind="not_listed", name=name2), None, f"non-smelter {name2!r}"))
    for j in range(max(50, n // 20)):
        a = rng.choice(aliases)
        other = rng.choice([m for m in metals if m != a["metal"]])
        norm = normalise_name(a["alias"])
        # skip names the other metal also knows (same alias, or every word appears in its aliases)
        if norm in by_metal[other] or set(norm.split()) <= tokens_of[other] or any(
                w in a["alias"].lower() for w in ("tin", "gold", "tungsten", "tantal")):
            continue
        # a facility name typed under another metal: must not resolve to that metal's facilities
        out.append((SmelterRow(row=95000 + j, metal=other, lookup="Smelter not listed", lookup_kind="not_listed",
                               name=a["alias"]), "NEG-OTHER-METAL", f"{a['metal']} name {a['alias']!r} as {other}"))
    return out


def real_file_set(store: ReferenceStore) -> list[tuple[SmelterRow, str | None, str]]:
    """Names as suppliers wrote them (columns C and D) in the filled CMRTs; label = the row's CID."""
    from ingest.metals import canonical_metal
    from ingest.workbook import open_workbook

    out = []
    for path in sorted((SHARED / "cmrt" / "filled").glob("*.xls*")):
        try:
            wb = open_workbook(path)
        except Exception:
            continue
        sheet = wb.sheet("Smelter List")
        if sheet is None:
            continue
        for r in range(5, sheet.max_row + 1):
            metal = canonical_metal(sheet.value(r, 1))
            ident = str(sheet.value(r, 5) or "").strip()
            if not metal or not re.match(r"^CID\d{6}$", ident):
                continue
            for col in (2, 3):
                name = sheet.value(r, col)
                if not name or str(name).strip().casefold().startswith("smelter not"):
                    continue
                row = SmelterRow(row=r, metal=metal, lookup="Smelter not listed", lookup_kind="not_listed",
                                 name=str(name), country=sheet.value(r, 4))
                out.append((row, ident, f"{path.name} row {r} col {'CD'[col - 2]} {name!r}"))
    return out


def evaluate(resolver: Resolver, labelled: list[tuple[SmelterRow, str | None, str]],
             title: str, quiet: bool = False) -> tuple[float, float]:
    tp = fp = fn = review = unresolved = neg_ok = 0
    uniq_pos = uniq_tp = 0  # labels with exactly one right answer (RMI gave the alias to one facility)
    confusions: list[str] = []
    reviews: Counter[str] = Counter()
    t0 = time.perf_counter()
    for row, label, desc in labelled:
        res = resolver.resolve(row)
        expected = None
        if label and label.startswith("CID"):
            accepted: list[str] = []
            for one in label.split("|"):
                cur, _, succ = resolver._follow(one)
                # split: the reported group CID or any successor is acceptable
                accepted += [cur] if cur else [resolver._split_parent(one), *succ]
            expected = "|".join(accepted)
        unique = expected is not None and "|" not in expected
        uniq_pos += unique
        if res.status == "resolved":
            ok = expected is not None and res.cid in expected.split("|")
            if ok:
                tp += 1
                uniq_tp += unique
            else:
                fp += 1
                confusions.append(f"  WRONG {desc}: got {res.cid} ({res.standard_name}) via {res.method} "
                                  f"{res.score}; expected {expected}")
        else:
            if expected is None:
                neg_ok += 1
            else:
                fn += 1
                if res.status == "review":
                    review += 1
                    reviews[res.method] += 1
                else:
                    unresolved += 1
                if len(confusions) < 400:
                    confusions.append(f"  miss  {desc}: {res.status} {res.method} {res.score} "
                                      f"cands={[c.cid for c in res.candidates[:3]]} expected {expected}")
    elapsed = time.perf_counter() - t0
    positives = sum(1 for _, label, _ in labelled if label and label.startswith("CID"))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 1.0
    if quiet:
        return precision, recall
    print(f"\n== {title}: {len(labelled)} rows ({positives} labelled, {len(labelled) - positives} negatives), "
          f"{elapsed:.2f} s")
    print(f"precision {precision:.4f}  recall {recall:.4f}  (tp {tp}, wrong {fp}, review {review}, "
          f"unresolved {unresolved}, negatives kept out {neg_ok})")
    if uniq_pos:
        print(f"recall on the {uniq_pos} labels with one right answer: {uniq_tp / uniq_pos:.4f} "
              f"(the rest are aliases RMI gives to several CIDs — sent to review by design)")
    wrong = [c for c in confusions if c.startswith("  WRONG")]
    misses = [c for c in confusions if c.startswith("  miss")]
    if wrong:
        print("confusions (wrong resolutions):")
        print("\n".join(wrong[:60]))
    if misses:
        print(f"misses (first 40 of {len(misses)}):")
        print("\n".join(misses[:40]))
    return precision, recall


def sweep(store: ReferenceStore, tmp: Path, a_set: list, b_set: list) -> None:
    """Precision/recall of both sets for a grid of thresholds (choose the policy by measuring)."""
    from itertools import product

    from ingest.resolve import Policy

    base = Policy.load()
    print("accept accept_clear clear_margin margin mismatch |  A prec  A rec |  B prec  B rec")
    for acc, clear, cmargin, margin, pen in product((88, 90, 92), (82, 84, 86), (12, 16, 20), (4, 6), (8, 12)):
        pol = Policy(**{**base.__dict__, "accept": acc, "accept_clear": clear, "clear_margin": cmargin,
                        "margin": margin, "country_mismatch_penalty": pen})
        res = Resolver(store, decisions=tmp / "none.yaml", policy=pol)
        pa, ra = evaluate(res, a_set, "", quiet=True)
        pb, rb = evaluate(res, b_set, "", quiet=True)
        print(f"{acc:6} {clear:12} {cmargin:12} {margin:6} {pen:8} | {pa:7.4f} {ra:6.4f} | {pb:7.4f} {rb:6.4f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--templates", action="store_true", help="also import the CMRT template Look-ups")
    ap.add_argument("--sweep", action="store_true", help="grid-search the policy thresholds (prints a table)")
    args = ap.parse_args()
    if not RMI_DIR.exists():
        print(f"missing {RMI_DIR}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp), templates=args.templates)
        resolver = Resolver(store, decisions=Path(tmp) / "none.yaml")
        if args.sweep:
            sweep(store, Path(tmp), alias_set(store, args.n, args.seed), real_file_set(store))
            return 0
        p1, r1 = evaluate(resolver, alias_set(store, args.n, args.seed), "A. RMI alias table with noise")
        p2, r2 = evaluate(resolver, real_file_set(store), "B. names from real supplier files (by name only)")
        store.close()
    print(f"\nSUMMARY  A: precision {p1:.2%} recall {r1:.2%}   B: precision {p2:.2%} recall {r2:.2%}   "
          f"target precision >= 99.5 % at recall >= 98 %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
