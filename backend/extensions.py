"""Flask extensions, created unbound and attached in the factory (init_app)."""
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel
from flask_babel.speaklater import LazyString
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names, so that migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
# flask-babel's lazy strings call themselves HTML-safe (__html__), so Jinja
# printed a message with what a user typed in it as markup: "There is no
# office with the code <b>..." from a query string. Without it they are
# escaped like any text; none of ours holds markup (tests/test_escaping.py).
# Flask's JSON used __html__ to write them: JSONProvider does that now.
del LazyString.__html__


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with lazy messages written as their text in the request's language."""

    @staticmethod
    def default(o):
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)
htmx = HTMX()
# Limits are declared per route (kiosk/api); none apply elsewhere. Storage: RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
