"""Drives the intake flow through the Flask test client, as a browser would:
GET a screen, read its CSRF token, POST the answers, follow the redirect."""
from __future__ import annotations

import re
from dataclasses import dataclass

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
_NUMBER = re.compile(r'class="number__group">(\d+)<')

GOOD = {
    "category": "JALAN_RUSAK",
    "kelurahan": "0101",
    "address": "Jl. Tebet Raya No. 5, depan masjid",
    "rt": "5",
    "rw": "2",
    "description": "Lubang besar di tengah jalan sejak minggu lalu, motor sering jatuh.",
    "identity": "named",
    "name": "Siti Rahayu",
    "phone": "0812-3456-7890",
    "email": "siti@example.id",
    "nik": "3174011234567890",
    "consent": "y",
}


def csrf_token(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1) or m.group(2)


@dataclass
class Page:
    status: int
    html: str
    location: str | None


class FlowDriver:
    def __init__(self, client, base: str = "/k/tebet-timur"):
        self.client = client
        self.base = base
        self.token: str | None = None

    def at(self, base: str) -> FlowDriver:
        self.base = base
        return self

    def get(self, path: str = "/", **kw) -> Page:
        r = self.client.get(self.base + path, **kw)
        html = r.get_data(as_text=True)
        if "csrf_token" in html:
            self.token = csrf_token(html)
        return Page(r.status_code, html, r.headers.get("Location"))

    def post(self, path: str, data: dict, *, with_token: bool = True, **kw) -> Page:
        data = dict(data)
        if with_token and "csrf_token" not in data:
            data["csrf_token"] = self.token
        r = self.client.post(self.base + path, data=data, **kw)
        html = r.get_data(as_text=True)
        if "csrf_token" in html:
            self.token = csrf_token(html)
        return Page(r.status_code, html, r.headers.get("Location"))

    # --- whole screens -------------------------------------------------
    def start(self, query: str = "") -> Page:
        self.get("/" + query)
        page = self.post("/mulai" + query, {})
        assert page.status == 303, page.html
        return page

    def answer(self, step: str, **overrides) -> Page:
        a = {**GOOD, **overrides}
        fields = {
            "kategori": ("category",),
            "lokasi": ("kelurahan", "address", "rt", "rw"),
            "kejadian": ("description",),
            "identitas": ("identity", "name", "phone", "email", "nik", "consent"),
        }[step]
        self.get("/" + step)
        data = {k: a[k] for k in fields if a.get(k) is not None}
        data.update({k: v for k, v in overrides.items() if k not in data and k not in GOOD})
        return self.post("/" + step, data, content_type="multipart/form-data" if step == "kejadian" else None)

    def fill_all(self, **overrides) -> None:
        self.start()
        for step in ("kategori", "lokasi", "kejadian", "identitas"):
            page = self.answer(step, **overrides)
            assert page.status == 303, (step, page.status, page.html[:2000])

    def submit(self) -> Page:
        review = self.get("/periksa")
        assert review.status == 200, review.html
        key = _KEY.search(review.html).group(1)
        return self.post("/kirim", {"idempotency_key": key})

    def file_complaint(self, **overrides) -> str:
        """The whole flow; returns the number shown on the receipt."""
        self.fill_all(**overrides)
        page = self.submit()
        assert page.status == 200, page.html  # the receipt itself
        return receipt_number(page.html)


def receipt_number(html: str) -> str:
    groups = _NUMBER.findall(html)
    assert len(groups) == 4, "no complaint number on the page"
    return "-".join(groups)
