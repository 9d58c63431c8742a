"""The stand-in's Open311 GeoReport v2 endpoints, and its fault injection."""
from __future__ import annotations

import csv
import json
import socket
import time
from functools import lru_cache

from flask import Blueprint, current_app, g, jsonify, request

from backend.crm.standin.store import CLOSED_STATUSES, Store

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

DESCRIPTION_MAX = 4000
MAX_IDS = 200
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00+07:00"


def store() -> Store:
    return current_app.extensions["standin_store"]


def error(status: int, description: str):
    """Open311 errors: a list of {code, description}."""
    return jsonify([{"code": status, "description": description}]), status


@lru_cache(maxsize=4)
def _services(path: str) -> tuple[dict, ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple({
        "service_code": r["code"],
        "service_name": r["name_id"],
        "description": r.get("hint_id") or r["name_id"],
        "metadata": False,
        "type": "realtime",
        "keywords": r.get("name_en", ""),
        "group": r.get("group_name_id", ""),
    } for r in rows)


def services() -> dict[str, dict]:
    return {s["service_code"]: s for s in _services(current_app.config["STANDIN_SERVICES_CSV"])}


# --- faults -------------------------------------------------------------

def _drop_connection() -> bool:
    """'down': close the client's socket without an answer, as a dead server would.

    A refused connection cannot be made from inside a running server, so the
    stand-in closes the connection instead (the client sees the server hang up
    before answering). Outside werkzeug's server it answers 503.
    """
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


@bp.before_request
def apply_faults():
    fault = store().take_fault()
    g.fault = fault
    mode = fault["mode"]
    if mode == "down":
        _drop_connection()
        return error(503, "The CRM is down (stand-in fault: down)")
    if mode == "error":
        return error(int(fault["status"]), f"Internal error (stand-in fault: HTTP {fault['status']})")
    if mode == "slow":
        time.sleep(float(fault["delay"]))
    return None


@bp.after_request
def accept_then_timeout(response):
    # The work is done (a POST's record is stored); now answer too late.
    fault = g.get("fault") or {}
    if fault.get("mode") == "accept_then_timeout":
        time.sleep(float(fault["delay"]))
    return response


def _api_key_ok() -> bool:
    expected = current_app.config.get("STANDIN_API_KEY")
    return not expected or request.values.get("api_key") == expected


# --- GeoReport v2 ---------------------------------------------------------

@bp.get("/discovery.json")
def discovery():
    base = request.url_root.rstrip("/") + bp.url_prefix
    return jsonify({
        "changeset": CHANGESET,
        "contact": "CRM stand-in for Kios Aduan development (not Jakarta's CRM)",
        "key_service": "Set STANDIN_API_KEY to require an api_key.",
        "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET, "type": "test",
                       "formats": ["application/json"]}],
    })


@bp.get("/services.json")
def service_list():
    return jsonify(list(services().values()))


@bp.get("/services/<code>.json")
def service_definition(code: str):
    if code not in services():
        return error(404, f"service_code {code} not found")
    return jsonify({"service_code": code, "attributes": []})


def _float(name: str):
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return "bad"


@bp.post("/requests.json")
def create_request():
    key = request.headers.get("Idempotency-Key") or None
    raw = request.get_data(cache=True, as_text=True)
    if not _api_key_ok():
        store().log_refused(key, "api_key")
        return error(403, "Invalid api_key")
    form = request.form
    code = form.get("service_code", "").strip()
    description = form.get("description", "")
    lat, long = _float("lat"), _float("long")
    address = form.get("address_string", "").strip()
    problems = []
    if code not in services():
        problems.append(f"service_code {code!r} is not a known service")
    if not description.strip():
        problems.append("description is required")
    elif len(description) > DESCRIPTION_MAX:
        problems.append(f"description is longer than {DESCRIPTION_MAX} characters")
    if "bad" in (lat, long) or (lat is None) != (long is None):
        problems.append("lat and long must both be numbers")
    if lat is None and not address and not form.get("address_id"):
        problems.append("a location is required: lat/long, address_string or address_id")
    if problems:
        store().log_refused(key, "; ".join(problems))
        return error(400, "; ".join(problems))
    attributes = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    fields = {
        "service_code": code,
        "service_name": services()[code]["service_name"],
        "description": description,
        "address_string": address or None,
        "lat": lat,
        "long": long,
        **{f: (form.get(f) or None) for f in ("first_name", "last_name", "email", "phone")},
    }
    received = {
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")},
        "form": {k: form.getlist(k) for k in form.keys()},
        "body": raw,
    }
    row, replayed = store().create(fields=fields, attributes=attributes, received=received, idempotency_key=key)
    body = [{
        "service_request_id": row["crm_number"],
        "service_notice": "Laporan Anda telah diterima dan akan diverifikasi.",
        "account_id": None,
        "requested_datetime": row["requested_at"],  # an extension: when the CRM stored it
    }]
    response = jsonify(body)
    response.status_code = 200 if replayed else 201
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def public_view(row, history) -> dict:
    """A record as GET /requests shows it: never the reporter; no content if confidential."""
    attributes = json.loads(row["attributes"] or "{}")
    confidential = attributes.get("confidential") == "true"
    return {
        "service_request_id": row["crm_number"],
        "status": "closed" if row["status"] in CLOSED_STATUSES else "open",
        "status_notes": row["status"],
        "crm_status": row["status"],
        "status_history": [{"status": h["status"], "datetime": h["at"], **({"note": h["note"]} if h["note"] else {})}
                           for h in history],
        "service_name": row["service_name"],
        "service_code": row["service_code"],
        "description": None if confidential else row["description"],
        "agency_responsible": attributes.get("agency_code") or None,
        "service_notice": None,
        "requested_datetime": row["requested_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": None,
        "address": row["address_string"],
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["long"],
        "media_url": None,
    }


def _views(rows) -> list[dict]:
    history = store().history([r["id"] for r in rows])
    return [public_view(r, history[r["id"]]) for r in rows]


@bp.get("/requests.json")
def list_requests():
    if not _api_key_ok():
        return error(403, "Invalid api_key")
    ids = [i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        return error(400, f"at most {MAX_IDS} service_request_id values per request")
    if ids:
        return jsonify(_views(store().many(ids)))
    rows = store().search(service_code=request.args.get("service_code"), status=request.args.get("status"),
                          start=request.args.get("start_date"), end=request.args.get("end_date"), limit=1000)
    return jsonify(_views(rows))


@bp.get("/requests/<crm_number>.json")
def one_request(crm_number: str):
    row = store().get(crm_number)
    if row is None:
        return error(404, f"service_request_id {crm_number} not found")
    return jsonify(_views([row]))


@bp.get("/tokens/<token>.json")
def token(token: str):
    row = store().by_token(token)
    if row is None:
        return error(404, f"token {token} not found")
    return jsonify([{"service_request_id": row["crm_number"], "token": token}])


@bp.errorhandler(404)
def not_found(_exc):
    return error(404, "Not found (the stand-in speaks JSON only: use .json)")


@bp.errorhandler(405)
def not_allowed(_exc):
    return error(405, "Method not allowed")

