#!/usr/bin/env python
"""How fast a receipt PDF is made, against bare WeasyPrint set up the same way.

    .venv/bin/python bench/receipt.py                 # 80 mm roll, 50 warm renders
    .venv/bin/python bench/receipt.py --size 58 --runs 100

What it does (a measurement, not a test; see bench/README.md):

1. Cold: the first receipt of a fresh process through printing/ (WeasyPrint
   set-up included: fonts, FontConfiguration, parsed CSS, templates), timed
   alone, then the second render for comparison.
2. Warm: the same receipt rendered N times through `printing.receipts.render_pdf`
   (template, QR code, layout, roll cut to its content, PDF) and, interleaved
   with those, the same HTML rendered N times by bare WeasyPrint with the
   same FontConfiguration, the same parsed stylesheet of that paper and URL
   fetcher (`HTML(string=...).write_pdf(...)`): the yardstick.
3. Cached reprint: `ReceiptCache.pdf` for a receipt already rendered, from
   memory (the same process) and from the file cache (a restarted process).

Prints the medians, `receipt_ratio=<printing median / bare median>` and the
targets: receipt_ratio <= 1.2, warm median < 40 ms, cached reprint < 5 ms.
Exit status 0 whatever the figures; 2 if the set-up failed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.2
TARGET_WARM_MS = 40.0
TARGET_CACHED_MS = 5.0


def sample():
    from printing.receipts import ReceiptData

    return ReceiptData(
        language="id",
        number="0101-26-00042-8",
        office_title="Kelurahan Tebet Timur",
        office_address="Kecamatan Tebet, Jakarta Selatan 12820",
        received_at="28 November 2026, 08.05 WIB",
        channel="Kios di kantor",
        category="Jalan rusak / berlubang",
        place="Kelurahan Tebet Timur, Kecamatan Tebet",
        location="Jl. Tebet Raya No. 5, depan masjid, RT 005 / RW 002",
        tracking_url="https://aduan.jakarta-selatan.example/lacak/0101-26-00042-8",
        crm_number=None,
        next_steps=(
            "Laporan Anda dimasukkan ke CRM Jakarta. Setelah itu, Anda juga mendapat nomor CRM di halaman Lacak laporan.",
            "Kelurahan Tebet Timur menindaklanjutinya, bila memungkinkan dalam 24 jam.",
            "Jika menjadi tanggung jawab instansi lain, laporan diteruskan ke instansi tersebut. "
            "Tindak lanjut paling lama 7 hari.",
        ),
        follow_up_by="5 Desember 2026",
        privacy_notice="Data pribadi Anda dilindungi undang-undang (UU 27/2022) dan hanya dipakai untuk "
                       "menindaklanjuti pengaduan ini.",
        identity_label="Dengan nama saya",
        reporter_name="Siti Rahayu",
    )


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="80", choices=("58", "80", "a6", "a4"))
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    try:
        # 1. Cold: nothing of WeasyPrint or the renderer exists yet in this process.
        t0 = time.perf_counter()
        from printing import receipts

        data = sample()
        first = receipts.render_pdf(data, args.size)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        receipts.render_pdf(data, args.size)
        second = time.perf_counter() - t0
        assert first.startswith(b"%PDF")
    except Exception as exc:  # a broken set-up is not a measurement
        print(f"set-up failed: {exc!r}", file=sys.stderr)
        return 2

    from weasyprint import HTML

    renderer = receipts.renderer()
    html = receipts.render_html(data, args.size)
    base_url = receipts.STATIC.as_uri() + "/"
    sheets = renderer.sheets(args.size)  # the parsed stylesheet of this paper, as printing/ passes it

    def bare() -> bytes:
        return HTML(string=html, base_url=base_url, url_fetcher=renderer.url_fetcher).write_pdf(
            stylesheets=sheets, font_config=renderer.font_config)

    def ours() -> bytes:
        return receipts.render_pdf(data, args.size)

    # 2. Warm, interleaved so that drift on a shared machine hits both alike.
    for _ in range(3):
        ours(), bare()
    t_ours, t_bare = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare()
        t_bare.append(time.perf_counter() - t0)

    # 3. Cached reprints.
    with tempfile.TemporaryDirectory() as tmp:
        cache = receipts.ReceiptCache(Path(tmp), renderer=renderer)
        renders = renderer.renders
        cache.pdf(data, args.size)
        t_memory = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            cache.pdf(data, args.size)
            t_memory.append(time.perf_counter() - t0)
        t_file = []
        for _ in range(args.runs):
            fresh = receipts.ReceiptCache(Path(tmp), renderer=renderer)  # as after a restart
            t0 = time.perf_counter()
            fresh.pdf(data, args.size)
            t_file.append(time.perf_counter() - t0)
        cached_renders = renderer.renders - renders

    med_ours, med_bare = statistics.median(t_ours), statistics.median(t_bare)
    ratio = med_ours / med_bare
    med_memory, med_file = statistics.median(t_memory), statistics.median(t_file)
    p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731

    print(f"receipt {args.size}: {len(first)} bytes PDF, {args.runs} warm runs each, "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"cold first render (WeasyPrint set-up included): {ms(cold):8.1f} ms   (second render {ms(second):.1f} ms)")
    print(f"printing/ warm median:                           {ms(med_ours):8.1f} ms   p95 {ms(p95(t_ours)):.1f} ms")
    print(f"bare WeasyPrint warm median (same set-up):       {ms(med_bare):8.1f} ms   p95 {ms(p95(t_bare)):.1f} ms")
    print(f"cached reprint, memory:                          {ms(med_memory):8.3f} ms")
    print(f"cached reprint, file (after a restart):          {ms(med_file):8.3f} ms")
    print(f"renders during {2 * args.runs + 1} cached reprints: {cached_renders} (the first one)")
    print(f"receipt_ratio={ratio:.3f}")
    print(f"targets: receipt_ratio <= {TARGET_RATIO} {'ok' if ratio <= TARGET_RATIO else 'MISSED'}; "
          f"warm median < {TARGET_WARM_MS:.0f} ms {'ok' if ms(med_ours) < TARGET_WARM_MS else 'MISSED'}; "
          f"cached reprint < {TARGET_CACHED_MS:.0f} ms {'ok' if ms(max(med_memory, med_file)) < TARGET_CACHED_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
