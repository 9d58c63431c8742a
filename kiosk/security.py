"""Response headers: a strict CSP, no caching of anything personal."""
from __future__ import annotations

from flask import Flask, request

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        if request.endpoint not in ("static", "receipts.static"):
            # Pages may hold a citizen's answers: never keep them in a shared
            # kiosk's cache, so the back button asks the server (which has
            # forgotten them after a reset) instead of showing a stored copy.
            response.headers.setdefault("Cache-Control", "no-store")
            # One URL serves a whole page or an htmx fragment.
            response.vary.add("HX-Request")
        return response
