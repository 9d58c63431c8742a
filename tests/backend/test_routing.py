"""Routing: agency and follow-up office from category and place, by rules kept as data."""
from sqlalchemy import select

import os

from backend import intake, routing
from backend.extensions import db
from backend.models import Category, Office
from tests.backend.test_intake import request

RULES = """# a comment line
category_code,area_code,agency_code,note
SALURAN,31.74.01,DSDA,Kecamatan Tebet: Dinas SDA
SALURAN,31.74.01.1001,DLH,Tebet Timur: Dinas LH
LAINNYA,,SATPOLPP,everywhere
"""


def _route(category_code: str, kelurahan_code: str) -> routing.Route:
    category = db.session.execute(select(Category).filter_by(code=category_code)).scalar_one()
    kelurahan = db.session.execute(select(Office).filter_by(code=kelurahan_code)).scalar_one()
    return routing.route(category, kelurahan)


def test_without_rules_the_category_names_the_agency_and_the_kelurahan_follows_up(app_ctx):
    r = _route("POHON", "0601")
    assert r.agency.code == "DISTAMHUT" and r.follow_up_office.code == "0601"


def test_the_most_specific_rule_wins(app_ctx, tmp_path):
    path = tmp_path / "routing.csv"
    path.write_text(RULES, encoding="utf-8")
    app_ctx.config["ROUTING_RULES_PATH"] = str(path)
    try:
        assert _route("SALURAN", "0101").agency.code == "DLH"        # the kelurahan's rule
        assert _route("SALURAN", "0102").agency.code == "DSDA"       # the kecamatan's rule
        assert _route("SALURAN", "0601").agency.code == "KELURAHAN"  # elsewhere: the category's agency
        assert _route("LAINNYA", "0601").agency.code == "SATPOLPP"
        assert _route("SALURAN", "0101").follow_up_office.code == "0101"  # always the kelurahan
        # Intake stores the route on the complaint; the tracking page shows it.
        c = intake.submit(request(category_code="SALURAN", kelurahan_code="0102")).complaint
        assert (c.agency.code, c.follow_up_office.code) == ("DSDA", "0102")
        # An edit of the file applies without a restart.
        path.write_text(RULES.replace("DSDA", "BINAMARGA"), encoding="utf-8")
        os.utime(path, ns=(1, 1))
        assert _route("SALURAN", "0102").agency.code == "BINAMARGA"
    finally:
        app_ctx.config["ROUTING_RULES_PATH"] = str(routing.DEFAULT_RULES)


def test_the_shipped_rules_are_valid_and_mistakes_are_reported(app_ctx, tmp_path):
    assert routing.check_rules(routing.DEFAULT_RULES) == []
    bad = tmp_path / "bad.csv"
    bad.write_text("category_code,area_code,agency_code,note\nNOPE,31.74.99,MARS,x\nPOHON,,DLH,\nPOHON,,DLH,\n")
    problems = routing.check_rules(bad)
    assert any("unknown category 'NOPE'" in p for p in problems)
    assert any("unknown area '31.74.99'" in p for p in problems)
    assert any("unknown agency 'MARS'" in p for p in problems)
    assert any("bad.csv:4: a second rule" in p for p in problems)


def test_tracking_shows_who_follows_up(client, flow):
    number = flow.file_complaint()
    html = client.get(f"/lacak/{number}").get_data(as_text=True)
    assert "Dinas Bina Marga" in html and "Kelurahan Tebet Timur" in html
    assert "Tindak lanjut pertama oleh" in html


def test_a_kelurahan_category_names_the_kelurahan_not_a_placeholder(client, flow):
    number = flow.file_complaint(category="SAMPAH", kelurahan="0601")
    html = client.get(f"/lacak/{number}").get_data(as_text=True)
    assert "Kelurahan setempat" not in html and html.count("Kelurahan Cilandak Barat") >= 2
