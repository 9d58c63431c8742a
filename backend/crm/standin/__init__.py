"""A stand-in for Jakarta's CRM: a separate small Flask app that speaks Open311
GeoReport v2, for development and tests. It imports nothing of the product
(no models, no kiosk): it has its own factory, its own SQLite file and its own
templates, as a real CRM would be a separate system.

    flask crm standin --port 8001            (or: python -m backend.crm.standin --port 8001)

Open311 (under /open311/v2): GET discovery.json, services.json,
services/<code>.json, requests.json (?service_request_id=a,b,c ...),
requests/<id>.json, tokens/<token>.json; POST requests.json. Records get
numbers in the CRM's shape, JK + YYMMDD + a 4-digit sequence per day (WIB);
the same Idempotency-Key always returns the same record, never a second one.
Statuses: Menunggu, Menunggu Validasi, Koordinasi, Disposisi, Proses,
Selesai, TL Ditolak, each with its time (GET answers carry them as the
extension fields crm_status and status_history).

/admin/ is an HTML page to move records through the statuses, type a
complaint in by hand, and set faults; /admin/api/... the same as JSON for
tests and scripts. See backend/crm/README.md for the fault modes. Never
expose it beyond the loopback interface: the admin pages have no login.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
DEFAULT_DATABASE = ROOT / "instance" / "crm-standin.sqlite3"
DEFAULT_SERVICES = ROOT / "backend" / "data" / "categories.csv"


def create_app(config: dict | None = None) -> Flask:
    from backend.crm.standin import admin, open311
    from backend.crm.standin.store import Store

    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=None)
    app.config.update(
        STANDIN_DATABASE=os.environ.get("STANDIN_DATABASE") or str(DEFAULT_DATABASE),
        # When set, POST/GET must carry api_key=... (Open311's way).
        STANDIN_API_KEY=os.environ.get("STANDIN_API_KEY", ""),
        STANDIN_SERVICES_CSV=os.environ.get("STANDIN_SERVICES_CSV") or str(DEFAULT_SERVICES),
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    app.json.sort_keys = False
    app.extensions["standin_store"] = Store(app.config["STANDIN_DATABASE"])
    app.register_blueprint(open311.bp)
    app.register_blueprint(admin.bp)

    @app.get("/")
    def index():
        from flask import redirect

        return redirect("/admin/")

    return app


def serve(host: str = "127.0.0.1", port: int = 8001, database: str | None = None, quiet: bool = False) -> None:
    """Serve the stand-in with werkzeug's threaded server until interrupted."""
    import logging

    from werkzeug.serving import make_server

    app = create_app({"STANDIN_DATABASE": database} if database else None)
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, app, threaded=True)
    print(f"CRM stand-in on http://{host}:{server.server_port}/  (Open311: /open311/v2, admin: /admin/), "
          f"database {app.config['STANDIN_DATABASE']}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
