"""The stand-in's admin: an HTML page for people, the same as JSON for tests.

HTML (/admin/): the records, newest first, each with a form to set its next
status (and, optionally, when); a form to type a complaint in by hand, as an
officer does in CRM_MODE=manual; the fault settings.

JSON (/admin/api/...):
    GET  faults                      the current fault settings
    POST faults  {mode, delay, status, remaining}
    GET  requests                    every record, with what arrived on the wire and its history
    GET  requests/<crm_number>
    POST requests/<crm_number>/status  {status, at (ISO 8601, optional), note}
    GET  stats                       records, distinct keys, POSTs by outcome
    POST reset                       delete everything (tests)
"""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from backend.crm.standin.open311 import services
from backend.crm.standin.store import FAULT_MODES, STATUSES, WIB, Store

bp = Blueprint("admin", __name__, url_prefix="/admin")


def store() -> Store:
    return current_app.extensions["standin_store"]


def _full(row, history) -> dict:
    d = dict(row)
    d["attributes"] = json.loads(d["attributes"] or "{}")
    d["received"] = json.loads(d["received"] or "{}")
    d["history"] = [dict(h) for h in history]
    return d


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=WIB)


# --- HTML -------------------------------------------------------------------

@bp.get("/")
def page():
    rows = store().search(limit=200, newest_first=True)
    history = store().history([r["id"] for r in rows])
    return render_template("standin/admin.html", rows=rows, history=history, statuses=STATUSES,
                           faults=store().faults(), modes=FAULT_MODES, stats=store().stats(),
                           services=list(services().values()), message=request.args.get("message"))


@bp.post("/requests/<crm_number>/status")
def page_set_status(crm_number: str):
    try:
        store().set_status(crm_number, request.form["status"], _parse_at(request.form.get("at")),
                           request.form.get("note") or None)
        message = f"{crm_number}: {request.form['status']}"
    except (KeyError, ValueError) as exc:
        message = f"Not changed: {exc}"
    return redirect(url_for(".page", message=message), code=303)


@bp.post("/requests")
def page_type_in():
    """A complaint typed into the CRM by hand: it gets a number like any other."""
    form = request.form
    code = form.get("service_code", "")
    if code not in services() or not form.get("description", "").strip():
        return redirect(url_for(".page", message="Not stored: choose a service and write a description"), code=303)
    row, _ = store().create(
        fields={"service_code": code, "service_name": services()[code]["service_name"],
                "description": form["description"].strip(), "address_string": form.get("address_string") or None},
        attributes={"local_number": form.get("local_number", "")}, received={"typed_by_hand": True},
        idempotency_key=None, source="typed",
    )
    return redirect(url_for(".page", message=f"Stored as {row['crm_number']}"), code=303)


@bp.post("/faults")
def page_faults():
    form = request.form
    try:
        store().set_faults(form.get("mode", "ok"), float(form.get("delay") or 0), int(form.get("status") or 503),
                           form.get("remaining") or None)
        message = "Fault settings saved"
    except ValueError as exc:
        message = f"Not saved: {exc}"
    return redirect(url_for(".page", message=message), code=303)


# --- JSON -------------------------------------------------------------------

@bp.route("/api/faults", methods=["GET", "POST"])
def api_faults():
    if request.method == "POST":
        body = request.get_json(force=True) or {}
        try:
            return jsonify(store().set_faults(body.get("mode", "ok"), body.get("delay", 0.0),
                                              body.get("status", 503), body.get("remaining")))
        except ValueError as exc:
            return jsonify(error=str(exc)), 400
    return jsonify(store().faults())


@bp.get("/api/requests")
def api_requests():
    rows = store().search(limit=100_000)
    history = store().history([r["id"] for r in rows])
    return jsonify([_full(r, history[r["id"]]) for r in rows])


@bp.get("/api/requests/<crm_number>")
def api_request(crm_number: str):
    row = store().get(crm_number)
    if row is None:
        return jsonify(error="not found"), 404
    return jsonify(_full(row, store().history([row["id"]])[row["id"]]))


@bp.post("/api/requests/<crm_number>/status")
def api_set_status(crm_number: str):
    body = request.get_json(force=True) or {}
    try:
        row = store().set_status(crm_number, body.get("status", ""), _parse_at(body.get("at")), body.get("note"))
    except KeyError:
        return jsonify(error="not found"), 404
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(_full(row, store().history([row["id"]])[row["id"]]))


@bp.get("/api/stats")
def api_stats():
    return jsonify(store().stats())


@bp.post("/api/reset")
def api_reset():
    store().reset()
    return jsonify(ok=True)
