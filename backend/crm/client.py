"""An Open311 GeoReport v2 client for the CRM, over httpx.

Plain data in, plain data out: nothing here knows the database. The relay
builds a `ServiceRequest` (backend/crm/payload.py) and calls `submit`; the
status sync calls `statuses`.

What goes on the wire (open311.org GeoReport v2, form-encoded POST):
service_code, address_string and/or lat/long, description (at most 4000
characters), attribute[...] and, for named or confidential complaints only,
first_name/last_name/email/phone. The header `Idempotency-Key` carries the
complaint's own key: the CRM must answer a repeat with the record it already
made, never a second one. `api_key` is sent as the spec says (a form field)
when configured.

The CRM's own statuses (Menunggu ... TL Ditolak) are not part of Open311,
whose status is only open/closed. The adapter reads two extension fields of
GET /requests: `crm_status` (the current status name) and `status_history`
(a list of {status, datetime}); without them only open/closed is known,
and "closed" is recorded as closed.

Errors: `CrmUnavailable` (could not connect, timed out, 5xx, 429, or an
answer without a CRM number: try again later with the same key) and
`CrmRejected` (4xx: the CRM refused the request as it is). Both are retried by
the relay until it gives up by elapsed time; their text goes to last_error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import httpx

WIB = ZoneInfo("Asia/Jakarta")
DESCRIPTION_MAX = 4000  # Open311's limit on description


class CrmError(Exception):
    """A send or a status query that did not succeed; str() is short, for last_error."""


class CrmUnavailable(CrmError):
    pass


class CrmRejected(CrmError):
    def __init__(self, message: str, status_code: int):
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class ServiceRequest:
    service_code: str
    description: str
    address_string: str = ""
    lat: float | None = None
    long: float | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None

    def form(self, api_key: str = "") -> dict[str, str]:
        """The form fields, in a stable order; empty optional fields are left out entirely."""
        out: dict[str, str] = {}
        if api_key:
            out["api_key"] = api_key
        out["service_code"] = self.service_code
        if self.lat is not None and self.long is not None:
            out["lat"], out["long"] = repr(float(self.lat)), repr(float(self.long))
        if self.address_string:
            out["address_string"] = self.address_string
        out["description"] = self.description[:DESCRIPTION_MAX]
        for name in ("first_name", "last_name", "email", "phone"):
            value = getattr(self, name)
            if value:
                out[name] = value
        out.update({f"attribute[{k}]": str(v) for k, v in self.attributes.items()})
        return out


@dataclass(frozen=True)
class Ack:
    """The CRM stored the request: its number, and when it says it stored it."""

    crm_number: str
    requested_at: datetime | None = None


@dataclass(frozen=True)
class StatusChange:
    name: str  # the CRM's spelling, e.g. "Menunggu Validasi"
    at: datetime | None
    note: str | None = None


@dataclass(frozen=True)
class RemoteRequest:
    crm_number: str
    open311_status: str  # "open" or "closed"
    crm_status: str | None
    updated_at: datetime | None
    history: tuple[StatusChange, ...] = ()

    def changes(self) -> list[StatusChange]:
        """Every status change the CRM tells of, oldest first."""
        if self.history:
            return sorted(self.history, key=lambda c: (c.at is None, c.at or datetime.min.replace(tzinfo=timezone.utc)))
        if self.crm_status:
            return [StatusChange(self.crm_status, self.updated_at)]
        if self.open311_status == "closed":
            return [StatusChange("closed", self.updated_at)]
        return []


def parse_time(value) -> datetime | None:
    """W3C/ISO 8601 as Open311 writes it; a time without an offset is taken as WIB."""
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=WIB)
    return dt.astimezone(timezone.utc)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_text(response: httpx.Response) -> str:
    """Open311 errors are a list of {code, description}; anything else is cut short."""
    try:
        body = response.json()
        if isinstance(body, list) and body and isinstance(body[0], dict) and "description" in body[0]:
            return "; ".join(str(e.get("description")) for e in body[:3])
    except ValueError:
        pass
    return _short(response.text, 200)


class Open311Client:
    def __init__(self, base_url: str, *, api_key: str = "", connect_timeout: float = 5.0,
                 read_timeout: float = 20.0, max_connections: int = 16,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout,
                                     pool=read_timeout)
        self._http = httpx.Client(
            timeout=self.timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Accept": "application/json", "User-Agent": "kios-aduan-relay/1"},
            transport=transport,
        )

    @classmethod
    def from_config(cls, config, **overrides) -> Open311Client:
        kwargs = dict(
            api_key=config.get("CRM_API_KEY", ""),
            connect_timeout=float(config["CRM_CONNECT_TIMEOUT"]),
            read_timeout=float(config["CRM_READ_TIMEOUT"]),
            max_connections=max(1, int(config["CRM_CONCURRENCY"])),
        )
        kwargs.update(overrides)
        return cls(config["CRM_BASE_URL"], **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- transport ------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            kind = type(exc).__name__
            raise CrmUnavailable(f"{kind}: no answer within the timeout ({method} {path})") from exc
        except httpx.HTTPError as exc:
            raise CrmUnavailable(f"{type(exc).__name__}: {_short(str(exc), 200) or 'connection failed'} ({method} {path})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise CrmUnavailable(f"HTTP {response.status_code}: {_error_text(response)} ({method} {path})")
        if response.status_code >= 400:
            raise CrmRejected(f"HTTP {response.status_code}: {_error_text(response)} ({method} {path})",
                              response.status_code)
        return response

    def _json(self, response: httpx.Response, what: str):
        try:
            return response.json()
        except ValueError:
            raise CrmUnavailable(f"{what}: the answer is not JSON ({_short(response.text, 120)!r})") from None

    # --- GeoReport v2 ----------------------------------------------------

    def discovery(self) -> dict:
        return self._json(self._call("GET", "discovery.json"), "discovery")

    def services(self) -> list[dict]:
        return self._json(self._call("GET", "services.json"), "services")

    def submit(self, request: ServiceRequest, idempotency_key: str) -> Ack:
        """POST /requests.json. Returns only once the CRM has given its number.

        A 2xx answer without a number is not a success (FixMyStreet #3168: a
        partial send counted as sent): if the CRM answers with a token, the
        token is looked up once; otherwise the send is retried later.
        """
        response = self._call("POST", "requests.json", data=request.form(self.api_key),
                              headers={"Idempotency-Key": idempotency_key})
        body = self._json(response, "POST requests")
        item = body[0] if isinstance(body, list) and body else body if isinstance(body, dict) else {}
        number = str(item.get("service_request_id") or "").strip()
        if not number and item.get("token"):
            number = self._number_for_token(str(item["token"]))
        if not number or len(number) > 32:
            raise CrmUnavailable(f"the CRM answered without a request number: {_short(response.text, 160)!r}")
        return Ack(crm_number=number, requested_at=parse_time(item.get("requested_datetime")))

    def _number_for_token(self, token: str) -> str:
        body = self._json(self._call("GET", f"tokens/{token}.json"), "GET tokens")
        item = body[0] if isinstance(body, list) and body else {}
        number = str(item.get("service_request_id") or "").strip()
        if not number:
            raise CrmUnavailable(f"the CRM accepted the request as token {token} but has no number for it yet")
        return number

    def statuses(self, crm_numbers: list[str]) -> list[RemoteRequest]:
        """GET /requests.json?service_request_id=a,b,c: one call for a batch."""
        if not crm_numbers:
            return []
        params = {"service_request_id": ",".join(crm_numbers)}
        if self.api_key:
            params["api_key"] = self.api_key
        body = self._json(self._call("GET", "requests.json", params=params), "GET requests")
        if not isinstance(body, list):
            raise CrmUnavailable("GET requests: expected a list")
        out = []
        for item in body:
            if not isinstance(item, dict) or not item.get("service_request_id"):
                continue
            history = tuple(
                StatusChange(str(h.get("status") or ""), parse_time(h.get("datetime")), h.get("note"))
                for h in item.get("status_history") or () if isinstance(h, dict) and h.get("status")
            )
            out.append(RemoteRequest(
                crm_number=str(item["service_request_id"]),
                open311_status=str(item.get("status") or "open").lower(),
                crm_status=item.get("crm_status") or None,
                updated_at=parse_time(item.get("updated_datetime")),
                history=history,
            ))
        return out
