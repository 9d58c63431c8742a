"""The offline flow's answer rules (kiosk/static/js/answers.js, run in Node as
the server sends it) against the server's, on a table of tricky inputs.

For every input:
- `check()` refuses exactly the fields the server's step forms refuse
  (kiosk/intake/forms.py on backend/validation.py), with the same message,
  with the choices and messages of the offline shell page itself; and
  exactly the fields the intake service refuses when the report arrives
  through the API (as the phone sends it: the answers as typed);
- where the server accepts the answers, `asServer()` gives what the online
  flow stores in its draft (driven through the kiosk's pages), which is what
  the report's fingerprint is made of: a report carried offline from the
  online flow must be sent in that form, else it is a conflict.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from backend import intake, validation
from backend.extensions import db
from backend.models import Category, Draft, Office, OfficeKind
from backend.statuses import Channel, Identity
from kiosk.intake.forms import CategoryForm, DescriptionForm, IdentityForm, LocationForm
from kiosk.pwa import delivery, precache
from tests.flowdriver import GOOD, receipt_number
from tests.kiosk.test_api import api_settings  # noqa: F401 (fixture: fresh rate limits)

KIOSK = "tebet-timur"
SHELL = f"/k/{KIOSK}/luring/?lang=en"
TEXT = ("category", "kelurahan", "address", "rt", "rw", "description", "identity", "name", "phone", "email", "nik")
STEPS = {
    "category": ("category",),
    "location": ("kelurahan", "address", "rt", "rw"),
    "description": ("description",),
    "identity": ("identity", "name", "phone", "email", "nik", "consent"),
}
BASE = {**{k: GOOD[k] for k in TEXT}, "consent": True}

# Each case: changes to BASE (the flow driver's good answers), or a function of the
# page's limits giving them. The server decides what is right; the table only feeds it.
CASES: dict[str, object] = {
    "good": {},
    # phones
    "phone_dashes": {"phone": "0812-3456-7890"},
    "phone_plus_spaces": {"phone": "+62 812 3456 7890"},
    "phone_62": {"phone": "6281234567890"},
    "phone_plus_dashes": {"phone": "+62-812-3456-7890"},
    "phone_dots": {"phone": "0812.3456.7890"},
    "phone_landline": {"phone": "(021) 5550 1234"},
    "phone_landline_short": {"phone": "(021) 555"},
    "phone_slashes": {"phone": "0812/3456/7890"},
    "phone_shortest": {"phone": "081234567"},
    "phone_too_short": {"phone": "08123456"},
    "phone_longest": {"phone": "0812345678901"},
    "phone_too_long": {"phone": "08123456789012"},
    "phone_plus62_then_zero": {"phone": "+62 0812 3456 7890"},
    "phone_nbsp": {"phone": "0812\u00a03456\u00a07890"},
    "phone_tab_newline": {"phone": "0812\t3456\n7890"},
    "phone_bom": {"phone": "\ufeff0812 3456 7890"},
    "phone_fullwidth": {"phone": "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10"},
    "phone_letters": {"phone": "0812-CALL-ME"},
    "phone_blank": {"phone": "   "},
    "phone_empty": {"phone": ""},
    # emails
    "email_upper_domain": {"email": "Siti@Example.ID"},
    "email_spaces_around": {"email": "  siti@example.id  "},
    "email_space_inside": {"email": "siti @example.id"},
    "email_tab_inside": {"email": "siti\t@example.id"},
    "email_no_at": {"email": "siti.example.id"},
    "email_two_at": {"email": "siti@@example.id"},
    "email_no_local": {"email": "@example.id"},
    "email_no_domain": {"email": "siti@"},
    "email_no_dot": {"email": "siti@example"},
    "email_dots_in_a_row": {"email": "siti..rahayu@example.id"},
    "email_leading_dot": {"email": ".siti@example.id"},
    "email_dot_before_at": {"email": "siti.@example.id"},
    "email_trailing_dot": {"email": "siti@example.id."},
    "email_empty_label": {"email": "siti@example..id"},
    "email_hyphen_label": {"email": "siti@-example.id"},
    "email_underscore_domain": {"email": "siti@exa_mple.id"},
    "email_two_hyphens": {"email": "siti@ab--cd.id"},
    "email_parens": {"email": "siti(rahayu)@example.id"},
    "email_comma": {"email": "siti,rahayu@example.id"},
    "email_numeric_tld": {"email": "siti@example.123"},
    "email_special_use": {"email": "siti@printer.local"},
    "email_localhost": {"email": "siti@localhost"},
    "email_role_name": {"email": "INFO@Example.ID"},
    "email_role_name_mixed": {"email": "Support@Kelurahan.go.id"},
    "email_plus": {"email": "siti+lapor@example.co.id"},
    "email_quoted": {"email": '"siti"@example.id'},
    "email_display_name": {"email": "Siti <siti@example.id>"},
    "email_fullwidth_at": {"email": "siti\uff20example.id"},
    "email_unicode_local": {"email": "s\u00efti@example.id"},
    "email_decomposed_local": {"email": "si\u0308ti@example.id"},
    "email_zero_width": {"email": "siti\u200b@example.id"},
    "email_bom": {"email": "\ufeffsiti@example.id"},
    "email_long_local": {"email": "a" * 70 + "@example.id"},
    "email_too_long": {"email": "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "id"},
    "email_254_bytes": {"email": "a" * 243 + "@example.id"},
    "email_255_bytes": {"email": "a" * 244 + "@example.id"},
    "email_255_bytes_unicode": {"email": "\u00e4" * 122 + "@example.id"},
    "email_kelvin_sign": {"email": "mar\u212aeting@example.id"},
    "email_long_label": {"email": "siti@" + "a" * 64 + ".id"},
    "email_blank": {"email": "  "},
    # NIK
    "nik_spaces": {"nik": "3174 0112 3456 7890"},
    "nik_nbsp": {"nik": "3174\u00a00112\u00a03456\u00a07890"},
    "nik_15": {"nik": "317401123456789"},
    "nik_17": {"nik": "31740112345678901"},
    "nik_letter": {"nik": "3174O11234567890"},
    "nik_dashes": {"nik": "3174-0112-3456-7890"},
    "nik_bom": {"nik": "\ufeff3174011234567890"},
    "nik_blank": {"nik": "  "},
    # RT / RW
    "rt_5": {"rt": "5"},
    "rt_padded": {"rt": " 05 "},
    "rt_0": {"rt": "0"},
    "rt_005": {"rt": "005"},
    "rt_1234": {"rt": "1234"},
    "rt_letter": {"rt": "a"},
    "rt_negative": {"rt": "-1"},
    "rt_fullwidth": {"rt": "\uff15"},
    "rt_blank": {"rt": "  "},
    "rw_12": {"rw": "12"},
    "rw_1234": {"rw": "1234"},
    "rt_rw_empty": {"rt": "", "rw": ""},
    # descriptions
    "desc_runs": {"description": "Lubang  besar\n\n\n   di jalan,    motor   sering jatuh."},
    "desc_padded": {"description": "   Lubang besar di jalan sejak minggu lalu.   \n\n"},
    "desc_crlf": {"description": "Lubang besar\r\ndi jalan\r\n\r\nsejak minggu lalu."},
    "desc_cr": {"description": "Lubang besar\rdi jalan raya"},
    "desc_nbsp_edges": {"description": "\u00a0Lubang besar di jalan raya\u3000"},
    "desc_bom_edge": {"description": "\ufeffLubang besar di jalan raya"},
    "desc_separator_edge": {"description": "Lubang besar di jalan raya\x1c"},
    "desc_blank": {"description": "  \r\n  "},
    "desc_empty": {"description": ""},
    "desc_too_short": {"description": "Lubang!"},
    "desc_short_when_trimmed": {"description": "    Lubang!    "},
    "desc_min": lambda L: {"description": "x" * L["description_min"]},
    "desc_below_min": lambda L: {"description": "x" * (L["description_min"] - 1)},
    "desc_max": lambda L: {"description": "x" * L["description_max"]},
    "desc_over_max": lambda L: {"description": "x" * (L["description_max"] + 1)},
    "desc_max_with_crlf": lambda L: {"description": "ab\r\n" * (L["description_max"] // 3)},
    "desc_max_with_emoji": lambda L: {"description": "x" * (L["description_max"] - 1) + "\U0001f642"},
    "desc_over_max_emoji": lambda L: {"description": "\U0001f642" * (L["description_max"] + 1)},
    # addresses
    "addr_padded": {"address": "  Jl. Tebet Raya   No. 5  "},
    "addr_crlf": {"address": "Jl. Tebet Raya\r\nNo. 5"},
    "addr_empty": {"address": ""},
    "addr_max": lambda L: {"address": "J" * L["address_max"]},
    "addr_over_max": lambda L: {"address": "J" * (L["address_max"] + 1)},
    # names
    "name_spaces": {"name": "  Siti   Rahayu  "},
    "name_crlf": {"name": "Siti\r\nRahayu"},
    "name_empty": {"name": ""},
    "name_max": lambda L: {"name": "S" * L["name_max"]},
    "name_over_max": lambda L: {"name": "S" * (L["name_max"] + 1)},
    "name_max_with_emoji": lambda L: {"name": "S" * (L["name_max"] - 1) + "\U0001f642"},
    # identities, contact fields, consent
    "named_no_contact": {"identity": "named", "name": "", "phone": "", "email": "", "nik": ""},
    "confidential": {"identity": "confidential"},
    "confidential_no_contact": {"identity": "confidential", "name": "", "phone": "", "email": "", "nik": ""},
    "confidential_bad_phone": {"identity": "confidential", "phone": "12345"},
    "anonymous_with_contact": {"identity": "anonymous"},
    "anonymous_with_bad_contact": {"identity": "anonymous", "name": "S" * 500, "phone": "abc", "email": "x@",
                                   "nik": "1"},
    "anonymous_no_contact": {"identity": "anonymous", "name": "", "phone": "", "email": "", "nik": ""},
    "identity_empty": {"identity": ""},
    "identity_upper": {"identity": "ANONYMOUS"},
    "identity_unknown": {"identity": "public"},
    "no_consent": {"consent": False},
    "no_consent_anonymous": {"identity": "anonymous", "consent": False},
    "no_consent_confidential": {"identity": "confidential", "consent": False},
    # choices
    "category_other": {"category": "TROTOAR_RUSAK"},
    "category_empty": {"category": ""},
    "category_lower": {"category": "jalan_rusak"},
    "category_unknown": {"category": "NOPE"},
    "kelurahan_kecamatan": {"kelurahan": "0100"},
    "kelurahan_mayor": {"kelurahan": "0000"},
    "kelurahan_empty": {"kelurahan": ""},
    "kelurahan_unknown": {"kelurahan": "9999"},
    # all at once
    "everything_wrong": {"category": "", "kelurahan": "", "address": "A" * 300, "rt": "x", "rw": "12345",
                         "description": "", "identity": "", "name": "N" * 200, "phone": "1",
                         "email": "a@b", "nik": "12", "consent": False},
    "everything_tricky": {"phone": " +62 812-3456-7890 ", "email": " INFO@Example.ID ", "rt": " 5 ", "rw": "0",
                          "nik": "3174 0112 3456 7890", "name": "  Siti  Rahayu ",
                          "address": " Jl. Tebet Raya\r\nNo. 5 ",
                          "description": "  Lubang besar\r\n\r\ndi jalan   raya, sejak minggu lalu.  "},
}

# The one way answers.js is stricter than the server, on purpose: an email
# address whose domain is not plain ASCII. The server keeps it in IDNA's
# Unicode form, which the browser cannot compute as the server does (no IDNA
# tables); accepted offline, a carried report could be refused on delivery.
STRICTER: dict[str, dict] = {
    "email_idn": {"email": "siti@b\u00fccher.de"},
    "email_punycode": {"email": "siti@xn--bcher-kva.de"},
    "email_fullwidth_domain": {"email": "siti@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.id"},
}

NODE_RUNNER = r"""
const fs = require("fs");
const vm = require("vm");
vm.runInThisContext(fs.readFileSync(process.argv[2], "utf8"), { filename: "answers.js" });
const A = globalThis.KiosAnswers;
const { ctx, cases, steps } = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};
for (const [id, a] of Object.entries(cases)) {
  out[id] = { check: {}, asServer: A.asServer(a) };
  for (const step of steps) out[id].check[step] = A.check(step, a, ctx);
}
process.stdout.write(JSON.stringify(out));
"""


def shell_context(html: str) -> dict:
    """What flow.js hands to KiosAnswers.check: the page's messages and limits
    (#shell-data) and the choices its screens offer."""
    data = json.loads(re.search(r'<script type="application/json" id="shell-data">(.*?)</script>', html, re.S).group(1))
    select_ = re.search(r'<select[^>]*name="kelurahan".*?</select>', html, re.S).group(0)
    return {
        "messages": data["messages"],
        "limits": data["limits"],
        "categories": re.findall(r'<input type="radio" name="category" value="([^"]+)"', html),
        "identities": re.findall(r'<input type="radio" name="identity" value="([^"]+)"', html),
        "kelurahan": [v for v in re.findall(r'<option value="([^"]*)"', select_) if v],
    }


def run_node(ctx: dict, cases: dict[str, dict], tmp: Path) -> dict:
    node = shutil.which("node")
    assert node, "Node.js runs answers.js here: `make test` installs it (scripts/sysdeps.sh test)"
    # The bytes the browser gets (minified): a minifier slip in a regular expression shows here too.
    script = tmp / "answers.js"
    script.write_bytes(delivery.served_bytes("js/answers.js", (precache.STATIC / "js" / "answers.js").read_bytes()))
    runner = tmp / "run.js"
    runner.write_text(NODE_RUNNER)
    feed = json.dumps({"ctx": ctx, "cases": cases, "steps": list(STEPS)})
    proc = subprocess.run([node, str(runner), str(script)], input=feed, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def parity(_lane_app, tmp_path_factory):
    """(the shell's context, every case's answers, Node's results), once per lane."""
    html = _lane_app.test_client().get(SHELL).get_data(as_text=True)
    ctx = shell_context(html)
    assert len(ctx["categories"]) > 10 and len(ctx["kelurahan"]) == 65 and len(ctx["identities"]) == 3
    cases = {}
    for name, change in {**CASES, **STRICTER}.items():
        change = change(ctx["limits"]) if callable(change) else change
        cases[name] = {**BASE, **change}
    return ctx, cases, run_node(ctx, cases, tmp_path_factory.mktemp("node"))


# --- the server's side ----------------------------------------------------------------

def form_errors(app, a: dict) -> dict[str, dict[str, str]]:
    """Each step form's errors for the answers, as the kiosk's pages check them."""
    categories = db.session.scalars(select(Category.code).filter_by(active=True)).all()
    kelurahan = db.session.scalars(select(Office.code).filter_by(kind=OfficeKind.KELURAHAN)).all()
    forms = {
        "category": (CategoryForm, {"codes": categories}),
        "location": (LocationForm, {"kelurahan_codes": kelurahan}),
        "description": (DescriptionForm, {}),
        "identity": (IdentityForm, {}),
    }
    out = {}
    with app.test_request_context("/", method="POST"), force_locale("en"):
        for step, (form_class, kwargs) in forms.items():
            data = MultiDict([(k, a[k]) for k in STEPS[step] if k != "consent"])
            if "consent" in STEPS[step] and a["consent"]:
                data["consent"] = "y"
            form = form_class(formdata=data, meta={"csrf": False}, **kwargs)
            form.validate()
            out[step] = {name: str(messages[0]) for name, messages in form.errors.items()}
    return out


def intake_errors(a: dict) -> set[str]:
    """The fields the intake service refuses in a report sent through the API."""
    req = intake.IntakeRequest(
        idempotency_key="parity", channel=Channel.KIOSK, kiosk_code=KIOSK, category_code=a["category"],
        kelurahan_code=a["kelurahan"], address=a["address"], rt=a["rt"], rw=a["rw"],
        description=a["description"], identity=a["identity"], consent=a["consent"], name=a["name"],
        phone=a["phone"], email=a["email"], nik=a["nik"],
    )
    try:
        intake.validate(req)
    except intake.IntakeInvalid as exc:
        return set(exc.errors)
    return set()


def stored_online(app, flow, a: dict) -> dict:
    """The answers typed into the kiosk's online pages, as its draft keeps them:
    what the online report is made of (kiosk/intake/views.py `_submit`)."""
    flow.fill_all(**{k: a[k] for k in TEXT})
    with flow.client.session_transaction() as session:
        draft_id = session[f"draft:kiosk:{KIOSK}"]
    with app.app_context():  # a session of its own: sees what the pages committed
        d = db.session.get(Draft, draft_id).data
    return {**{k: d.get(k, "") for k in TEXT}, "consent": bool(d.get("consent"))}


# --- the tests ------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_offline_rules_match_the_server(app_ctx, flow, parity, case):
    _ctx, cases, js = parity
    a, got = cases[case], js[case]
    server = form_errors(app_ctx, a)
    # Per screen: the same fields refused, with the same message.
    assert got["check"] == server, f"{case}: answers.js {got['check']} != the server's forms {server}"
    refused = {name for errors in server.values() for name in errors}
    # On delivery (the phone sends the answers as typed): the same fields.
    assert intake_errors(a) == refused, case
    if refused:
        return
    # Accepted: the carried form is what the online flow stores, and the service
    # takes it as it stands (a carried report is sent in that form).
    assert got["asServer"] == stored_online(app_ctx, flow, a), case
    assert intake_errors(got["asServer"]) == set(), case


@pytest.mark.parametrize("case", list(STRICTER))
def test_offline_rules_are_stricter_only_for_internationalised_domains(app_ctx, parity, case):
    _ctx, cases, js = parity
    server = form_errors(app_ctx, cases[case])
    assert server["identity"] == {} and intake_errors(cases[case]) == set(), case  # the server takes it
    assert set(js[case]["check"]["identity"]) == {"email"}, case  # the offline flow asks for another


def test_the_table_covers_both_sides(parity):
    """A table whose inputs all pass (or all fail) would prove little."""
    _ctx, _cases, js = parity
    refused = {case for case in CASES if any(js[case]["check"].values())}
    assert 40 < len(refused) < len(CASES) - 40
    for field in ("category", "kelurahan", "address", "rt", "rw", "description", "identity", "name", "phone",
                  "email", "nik", "consent"):
        assert any(field in errors for case in refused for errors in js[case]["check"].values()), field


def test_a_report_carried_with_tricky_answers_is_a_replay_of_the_stored_one(app, client, flow, parity,
                                                                           api_settings):  # noqa: F811
    """The property the cleaning exists for: the online report stored (its answer
    lost), the same answers carried offline in asServer's form under its key are
    that report again, not a conflict."""
    _ctx, cases, js = parity
    typed = cases["everything_tricky"]
    flow.fill_all(**{k: typed[k] for k in TEXT})
    review = flow.get("/periksa").html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1)
    page = flow.post("/kirim", {"idempotency_key": key})
    assert page.status == 200, page.html[:2000]
    number = receipt_number(page.html)
    lease = client.post(f"/k/{KIOSK}/api/nomor").get_json()["numbers"][0]["number"]
    body = {"idempotency_key": key, "language": "id", "created_at": "2026-05-04T09:15:00+07:00",
            "answers": js["everything_tricky"]["asServer"], "photo": None, "leased_number": lease}
    r = client.post(f"/k/{KIOSK}/api/laporan", json=body)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["number"] == number and r.get_json()["replayed"] is True


def test_the_limits_and_choices_are_the_servers(app_ctx, parity):
    ctx, _cases, _js = parity
    assert ctx["limits"]["description_max"] == app_ctx.config["DESCRIPTION_MAX_CHARS"]
    assert ctx["limits"]["description_min"] == validation.DESCRIPTION_MIN
    assert ctx["limits"]["address_max"] == validation.ADDRESS_MAX
    assert ctx["limits"]["name_max"] == validation.NAME_MAX
    assert sorted(ctx["identities"]) == sorted(i.value for i in Identity)


def test_the_shells_load_the_rules_before_the_flow(client):
    for path in ("/lapor/", "/laporan-saya", f"/k/{KIOSK}/luring/"):
        html = client.get(path).get_data(as_text=True)
        assert 0 < html.index('src="/static/js/answers.js"') < html.index('src="/static/js/flow.js"'), path


def test_flow_js_keeps_no_copy_of_the_rules():
    """One mirror of the server's rules, the one checked here."""
    flow_js = (precache.STATIC / "js" / "flow.js").read_text()
    for copy in ("function asServer", "function checkText", "PHONE", "EMAIL", "[0-9]{16}", "[0-9]{1,3}",
                 ".padStart(3"):
        assert copy not in flow_js, copy
