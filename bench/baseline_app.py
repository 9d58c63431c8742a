"""The smallest honest Flask + Flask-SQLAlchemy write: the yardstick for bench/submit.py.

One table; POST /insert adds one row in its own transaction and answers its id
as JSON. On SQLite the connection gets the same durability pragmas as the real
app (WAL, synchronous=FULL, busy_timeout), so the comparison measures the
app's own work, not a cheaper fsync policy.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m bench.baseline_app init
    gunicorn "bench.baseline_app:create_app()"
"""
from __future__ import annotations

import os
import sys

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    __tablename__ = "bench_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(db.String(200))


def yardstick_app(name: str, sa: SQLAlchemy, *, immediate: bool = False) -> Flask:
    """A bare Flask app on DATABASE_URL, configured as the real app is: on
    SQLite WAL, synchronous=FULL and a busy timeout (the same fsync policy);
    `immediate`: every transaction begins with BEGIN IMMEDIATE, the write lock
    first, as the real app's writes do (backend/database.py)."""
    app = Flask(name)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}  # as the real app
    sa.init_app(app)
    with app.app_context():
        engine = sa.engine
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):
                if immediate:
                    dbapi_conn.isolation_level = None  # BEGIN is ours (below)
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute("PRAGMA busy_timeout=15000")
                cur.close()

            if immediate:
                @event.listens_for(engine, "begin")
                def _begin(conn):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
    return app


def create_app() -> Flask:
    app = yardstick_app(__name__, db)

    @app.post("/insert")
    def insert():
        row = Row(payload=request.form.get("payload", "x")[:200])
        db.session.add(row)
        db.session.flush()
        row_id = row.id
        db.session.commit()
        return jsonify(id=row_id)

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")

    return app


def init_db() -> None:
    app = create_app()
    with app.app_context():
        db.create_all()
        db.engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:] == ["init"]:
        init_db()
    else:
        sys.exit("usage: python -m bench.baseline_app init")
