import pytest


@pytest.fixture(autouse=True)
def _fresh_rollups(app):
    """The shared test fixtures clear complaints but not the rollups: start
    every monitoring test from rollups that match the (empty) complaints."""
    from backend.monitoring import rollup

    with app.app_context():
        rollup.rebuild()
    yield
