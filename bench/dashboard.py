"""Monitoring dashboard benchmark (issue 7).

Generates N synthetic complaints (default 1,000,000) over the 76 offices and
two years, all channels and categories (backend/monitoring/synthetic.py, the
generator the tests use), then times the dashboard page (GET
/petugas/pemantauan as a monitor or a camat, the whole request) for a month
and for a year, city-wide and for one kecamatan, on SQLite and PostgreSQL.
Baseline in the same run: a bare SELECT office_id, COUNT(*) ... GROUP BY
office_id over the same rows: the N generated complaints (the issue's
"1,000,000 synthetic complaints ... over the same rows"). Each view's median
time is judged against it (at most 3x) and against 300 ms. For reading, each
line also shows the ratio to the same count over the view's own rows (its
range and offices: a month of one kecamatan is ~4,000 rows, counted in under
a millisecond, less than any HTTP request costs), and the query layer's own
time (queries.dashboard(), every figure without HTTP and template); then the
monthly PDF report. The rollups are rebuilt after the bulk insert (timed).

    .venv/bin/python bench/dashboard.py                      # both databases, 1M rows
    .venv/bin/python bench/dashboard.py --n 200000 --db sqlite

Targets: every view under 300 ms and at most 3x the baseline; the PDF under 3 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("KIOS_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up (caches, plans)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def run(db: str, n: int, repeat: int, workdir: Path) -> list[str]:
    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    os.environ["KIOS_INSTANCE_PATH"] = str(workdir / f"instance-{db}")
    from backend import auth, create_app, seed
    from backend.extensions import db as sa
    from backend.models import Complaint, User
    from backend.monitoring import queries, rollup, synthetic
    from backend.monitoring.scope import make_scope

    pg_name = None
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        pg_name = f"kios_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    lines = []
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
        with app.app_context():
            upgrade()
            seed.load_reference_data()
            seed.load_demo_data()
            now = datetime.now(timezone.utc)
            t0 = time.perf_counter()
            synthetic.insert_complaints(synthetic.generate(n, now - timedelta(days=730), now, seed=7, now=now),
                                        rebuild_rollups=False)
            gen = time.perf_counter() - t0
            if db == "postgresql":  # the visibility map too, so the baseline gets its index-only scan
                sa.session.commit()
                with sa.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            else:
                sa.session.execute(text("ANALYZE"))
                sa.session.commit()
            lines.append(f"[{db}] generated {n:,} complaints in {gen:.1f} s ({n / gen:,.0f}/s)")
            t0 = time.perf_counter()
            built = rollup.rebuild()  # what `flask monitoring rebuild-rollups` does
            lines.append(f"[{db}] rebuilt the rollups in {time.perf_counter() - t0:.1f} s: "
                         f"{built['monitoring_daily']:,} daily rows, {built['monitoring_facets']:,} facet rows")
            users = {}
            for name, role, office in (("bench.monitor", "monitor", None), ("bench.camat", "pimpinan", "0100")):
                user = User(username=name, full_name=name, role=role, password_hash=auth.hash_secret("x" * 12),
                            office=auth.office_by_code(office) if office else None, active=True)
                sa.session.add(user)
                sa.session.flush()
                users[name] = auth.start_session(user)
            sa.session.commit()
        clients = {}
        for name, token in users.items():
            clients[name] = app.test_client()
            with clients[name].session_transaction() as s:
                s["officer"] = token

        with app.app_context():
            # The baseline: the bare count over every generated row, in this run.
            all_q = select(Complaint.office_id, func.count()).group_by(Complaint.office_id)
            all_rows = sum(c for _o, c in sa.session.execute(all_q))
            baseline = _median_ms(lambda: sa.session.execute(all_q).all(), repeat)
        lines.append(f"[{db}] baseline: bare COUNT(*) GROUP BY office over all {all_rows:,} rows  {baseline:7.1f} ms")
        today = datetime.now(timezone.utc).date()
        cases = [
            ("month, city", "bench.monitor", today - timedelta(days=29), None),
            ("month, kecamatan 0100", "bench.camat", today - timedelta(days=29), "0100"),
            ("year, city", "bench.monitor", today - timedelta(days=364), None),
            ("year, kecamatan 0100", "bench.camat", today - timedelta(days=364), "0100"),
        ]
        for label, who, start, area in cases:
            args = {"periode": "custom", "dari": start.isoformat(), "sampai": today.isoformat()}

            def view():
                r = clients[who].get("/petugas/pemantauan", query_string=args)
                assert r.status_code == 200, r.status_code

            with app.app_context():
                scope = make_scope(visible=None, period="custom", start=start, end=today, area_code=area)
                # The query layer alone (every figure, no HTTP, no template), to show where the page's time goes.
                layer = _median_ms(lambda: queries.dashboard(scope), repeat)
                base_q = select(Complaint.office_id, func.count()).where(
                    Complaint.submitted_at >= scope.start_utc, Complaint.submitted_at < scope.end_utc)
                if scope.office_ids is not None:
                    base_q = base_q.where(Complaint.office_id.in_(sorted(scope.office_ids)))
                base_q = base_q.group_by(Complaint.office_id)
                rows = sum(c for _o, c in sa.session.execute(base_q))
                own = _median_ms(lambda: sa.session.execute(base_q).all(), repeat)
            page = _median_ms(view, repeat)
            ok = "ok" if page < 300 and page <= 3 * baseline else "MISSES TARGET"
            lines.append(f"[{db}] {label:<24} dashboard {page:7.1f} ms  ratio {page / baseline:4.2f}x  {ok}"
                         f"   (its own {rows:,} rows: count {own:.1f} ms, {page / own:.1f}x;"
                         f" query layer {layer:.1f} ms)")
        month = today.strftime("%Y-%m")
        client = clients["bench.monitor"]

        def pdf():
            r = client.get("/petugas/pemantauan/laporan.pdf", query_string={"bulan": month})
            assert r.status_code == 200

        t = _median_ms(pdf, max(1, repeat // 2))
        lines.append(f"[{db}] monthly PDF report (city)  {t:8.1f} ms  {'ok' if t < 3000 else 'MISSES TARGET'}")
        with app.app_context():
            sa.session.remove()
            sa.engine.dispose()
    finally:
        if pg_name:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--db", default="sqlite,postgresql")
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="kios-bench-dash-") as tmp:
        for db in a.db.split(","):
            for line in run(db, a.n, a.repeat, Path(tmp)):
                print(line, flush=True)


if __name__ == "__main__":
    main()
