"""How fast the campaign writes its messages: requests with the blank template attached, and receipts.

Requests: N master-list suppliers in a fresh embedded store get `run_requests` with the blank template
attached (RMI's 2 MB CMRT 6.5 from ../shared when it is there, else a generated one). The baseline,
measured in the same run, builds the same N messages the plain standard-library way (one
`EmailMessage.add_attachment` and one `as_bytes()` per message, which base64-encodes the template every
time); the campaign encodes each attachment once per batch. Receipts: `--forms` generated CMRTs are
ingested and `run_receipts` writes their receipts (smelters rated once, rows read in one store call).

    .venv/bin/python bench/campaign_speed.py [--suppliers 400] [--forms 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minetrace.graph.open import open_store  # noqa: E402
from minetrace.graph.store import SupplierRecord  # noqa: E402
from minetrace.queries.campaign.render import Renderer  # noqa: E402
from minetrace.queries.campaign.run import run_receipts, run_requests  # noqa: E402
from minetrace.queries.campaign.settings import load_settings  # noqa: E402
from minetrace.queries.context import QueryContext  # noqa: E402

SHARED_TEMPLATE = ROOT.parent / "shared" / "cmrt" / "templates" / "RMI_CMRT_6.5_en.xlsx"


def blank_template(folder: Path) -> Path:
    if SHARED_TEMPLATE.exists():
        return SHARED_TEMPLATE
    from minetrace.app.synthetic.workbooks import starter_facilities
    from minetrace.queries.template_writer import CmrtSpec, write_cmrt

    return write_cmrt(CmrtSpec(), folder / "blank.xlsx", "6.5", facilities=starter_facilities())


def baseline(n: int, template: Path, out: Path) -> float:
    data = template.read_bytes()
    t = time.perf_counter()
    for i in range(n):
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"], msg["To"], msg["Subject"] = "src@ourco.example", f"s{i}@supplier.example", "CMRT request"
        msg["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        msg.set_content("Please complete the attached template.\n" * 20)
        msg.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml"
                           ".sheet", filename=template.name)
        (out / f"{i}.eml").write_bytes(msg.as_bytes())
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suppliers", type=int, default=400)
    ap.add_argument("--forms", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
        root = Path(tmp)
        template = blank_template(root)
        store_dir = root / "store"
        st = open_store(str(store_dir))
        st.upsert_suppliers([SupplierRecord(f"S{i:05d}", f"Supplier {i} Ltd", category="direct",
                                            last_purchase="2025-06-01", contact_email=f"s{i}@supplier.example",
                                            language="zh" if i % 5 == 0 else "en") for i in range(args.suppliers)])
        st.close()
        (root / "base").mkdir()
        base = baseline(args.suppliers, template, root / "base")
        with QueryContext.open(str(store_dir), year=2025) as ctx:
            t = time.perf_counter()
            res = run_requests(ctx, 2025, load_settings(), Renderer(), root / "outbox", date(2026, 1, 10),
                               template_path=template)
            ours = time.perf_counter() - t
        assert len(res.written) == args.suppliers
        print(f"requests: {args.suppliers} with {template.name} ({template.stat().st_size / 1e6:.1f} MB) attached")
        print(f"  campaign (render, .eml, ledger, contacted events): {ours:.2f} s "
              f"({1000 * ours / args.suppliers:.1f} ms a message)")
        print(f"  baseline (stdlib add_attachment + as_bytes only):   {base:.2f} s "
              f"({1000 * base / args.suppliers:.1f} ms a message)")
        print(f"  ratio campaign / baseline: {ours / base:.2f}")
        if args.forms:
            from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
            from minetrace.graph.ingest import ingest_paths
            from minetrace.graph.resolving import default_resolver

            generate_program(root / "prog", args.forms, seed=3, facilities=starter_facilities(),
                             watchlist=starter_watchlist(), lean=True)
            st = open_store(str(store_dir))
            resolver, _ = default_resolver(str(store_dir))
            ingest_paths([root / "prog" / "cmrt"], st, resolver=resolver, year=2025)
            st.close()
            with QueryContext.open(str(store_dir), year=2025) as ctx:
                t = time.perf_counter()
                rec = run_receipts(ctx, load_settings(), Renderer(), root / "outbox", date(2026, 2, 1))
                took = time.perf_counter() - t
            print(f"receipts: {len(rec.written)} forms in {took:.2f} s ({1000 * took / max(1, len(rec.written)):.1f} "
                  f"ms a form), {len(rec.extra['cases']['opened'])} mitigation cases opened")


if __name__ == "__main__":
    main()
