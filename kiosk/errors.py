"""Error pages in the user's language; never a bare 500 for bad input."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: _l("Something in the request was not right. Please try again."),
    403: _l("You are not allowed to open this page."),
    404: _l("We could not find this page."),
    405: _l("This action is not possible here."),
    413: _l("The file you sent is too large. Choose a smaller photo."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Sorry, something went wrong on our side. Your earlier answers are kept; please try again."),
}


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
