"""X-Forwarded-For is trusted only when the deployment says a proxy is in front."""
from __future__ import annotations

import pytest
from flask import request

from backend import create_app
from tests.conftest import TEST_CONFIG


@pytest.mark.parametrize("hops, expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_client_address_behind_proxy(tmp_path, hops, expected):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "PROXY_FIX_HOPS": hops})

    @app.get("/_whoami")
    def whoami():
        return request.remote_addr

    client = app.test_client()
    response = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.text == expected
