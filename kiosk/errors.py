"""Error pages in the user's language; never a bare 500 for bad input."""
from __future__ import annotations

import sqlite3

from flask import Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

MESSAGES = {
    400: _l("Something in the request was not right. Please try again."),
    403: _l("You are not allowed to open this page."),
    404: _l("We could not find this page."),
    405: _l("This action is not possible here."),
    413: _l("The file you sent is too large. Choose a smaller photo."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Sorry, something went wrong on our side. Your earlier answers are kept; please try again."),
    503: _l("The service cannot be reached for a moment. Your earlier answers are kept; please try again shortly."),
}

# A 503 with Retry-After says "for a moment": kiosks and phones then carry on
# offline (kiosk/static/js/kiosk-offline.js, kiosk/sw/sw.js), as when the
# network is down. A kiosk taken out of service answers 503 without it.
RETRY_AFTER_SECONDS = 30


def render_error(code: int, message=None):
    return render_template("errors/error.html", code=code, message=message or MESSAGES.get(code, MESSAGES[400])), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_error(400, _l("This form has expired or was sent twice. Please go back to the start and try again; nothing was sent yet."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(500)
    def _server(_exc):
        return render_error(500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(sqlite3.OperationalError)  # raised bare by backend/database.py's write gate
    def _database_unavailable(exc):
        # The database cannot be reached (down, restarting, locked past the
        # busy timeout): for a moment, not a fault of the request. Logged with
        # its traceback; answered by the 503 handler of the area asked (the
        # JSON API's or the pages').
        current_app.logger.error("database unavailable: %s", exc, exc_info=exc)
        response = current_app.make_response(current_app.handle_http_exception(ServiceUnavailable()))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
