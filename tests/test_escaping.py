"""What a user typed, inside a translated message, is printed as text, never as markup.

flask-babel's lazy strings call themselves HTML-safe; backend/extensions.py
takes that away, so a message like "There is no office with the code %(code)s"
is escaped like any text when a template prints it. None of our lazy
messages holds markup of its own (checked here too)."""
from __future__ import annotations

import ast
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markupsafe import escape

from tests.officers import make_user, sign_in

ROOT = Path(__file__).resolve().parent.parent
TYPED = "<b>zz</b>"


def test_a_lazy_message_is_escaped_like_text(app):
    with app.test_request_context():
        assert str(escape(_l("There is no office with the code %(code)s.", code=TYPED))).count("&lt;b&gt;") == 1


def test_no_lazy_message_holds_markup():
    """Escaping lazy messages would spoil one that carried its own markup: there is none."""
    for path in [*ROOT.glob("backend/**/*.py"), *ROOT.glob("kiosk/**/*.py"), *ROOT.glob("printing/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_l" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                text = node.args[0].value
                assert "<" not in text and "&" not in text, (path, text)


def test_typed_text_in_console_messages_stays_text(app):
    client = app.test_client()
    with app.app_context():
        uid = make_user("escaping.admin", "admin", "0000")
    sign_in(app, client, uid)
    pages = {
        "/petugas/pemantauan": {"wilayah": TYPED},  # "There is no office with the code ..."
        "/petugas/": {"q": TYPED},  # "... is not a complaint number ..."
    }
    for path, query in pages.items():
        r = client.get(path, query_string=query)
        html = r.get_data(as_text=True)
        assert "&lt;b&gt;zz&lt;/b&gt;" in html, path
        assert TYPED not in html, path
