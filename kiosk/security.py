"""Response headers: a strict CSP, no caching of anything personal."""
from __future__ import annotations

from flask import Flask, request

from kiosk.pwa.delivery import is_static_endpoint

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
PERMISSIONS_POLICY = "geolocation=(self), camera=(self), microphone=()"
# Static files of these types would be documents: they keep the document
# headers. (Static SVGs are our own icons and pictures, loaded as images,
# where no script runs: they go without, like scripts, styles and fonts.)
DOCUMENT_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        # Everywhere: a script or style sheet is run only if its type says so.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        static = is_static_endpoint(request.endpoint)
        if not static or response.mimetype in DOCUMENT_TYPES:
            # CSP, Permissions-Policy and Referrer-Policy govern documents and
            # workers (a worker's CSP is its script's: /sw.js is not a static
            # file). On a static script, style sheet, font or image they do
            # nothing and cost ~400 bytes a response. (A style sheet's
            # Referrer-Policy would apply to its url() fetches: all same-origin,
            # which both policies send alike.)
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not static:
            # Pages may hold a citizen's answers: never keep them in a shared
            # kiosk's cache, so the back button asks the server (which has
            # forgotten them after a reset) instead of showing a stored copy.
            response.headers.setdefault("Cache-Control", "no-store")
            # One URL serves a whole page or an htmx fragment.
            response.vary.add("HX-Request")
        return response
