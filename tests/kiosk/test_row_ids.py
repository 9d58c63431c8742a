"""An id in a console URL that no row can have is a 404, on both databases, never a 500:
SQLite refuses integers beyond 2**63 - 1 and PostgreSQL beyond its integer, 2**31 - 1."""
from __future__ import annotations

import pytest

from tests.officers import make_user, sign_in

PATHS = ("/petugas/admin/pengguna/{id}", "/petugas/kios/{id}", "/petugas/kios/{id}/kiriman-ditolak/{id}",
         "/petugas/kios/{id}/kiriman-ditolak/1/foto")


@pytest.mark.parametrize("row_id", [2**31 - 1, 2**31, 2**63, 10**40])
def test_an_id_no_row_can_have_is_not_found(app, row_id):
    client = app.test_client()
    with app.app_context():
        uid = make_user("ids.admin", "admin", "0000")
    sign_in(app, client, uid)
    for path in PATHS:
        url = path.format(id=row_id)
        assert client.get(url).status_code == 404, url
