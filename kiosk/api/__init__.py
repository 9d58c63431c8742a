"""The JSON API of the progressive web app, for deliveries that outlive a page.

    POST /api/v1/laporan          a phone's complaint (queued offline, replayed later)
    POST /k/<code>/api/laporan    a kiosk's complaint, maybe numbered offline from its lease
    POST /k/<code>/api/nomor      the kiosk's leased numbers, topped up
    GET  /api/v1/lacak/<number>   a complaint's public status ("Laporan saya")
    GET  /tanda-terima/<token>    the receipt of a delivered complaint, by a signed link (and .pdf)

Answers are JSON in the language of the payload's `language` (or the
Accept-Language header). Clients treat 5xx, 429 and network errors as "retry
later" and any other 4xx as final. See views.py for why the submission
endpoints take neither a session nor a CSRF token.
"""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from backend.extensions import csrf
    from kiosk.api import receipt_links, views

    app.register_blueprint(views.bp)
    # No CSRF token (it would expire while a phone is offline); views.py says what protects it instead.
    csrf.exempt(views.bp)
    app.register_blueprint(receipt_links.bp)
