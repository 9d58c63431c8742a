"""The deployment files (deploy/) name only what the app has, and the backup script works.

deploy/README.md tells operators to copy these files as they are: a command
renamed in backend/cli.py or a setting dropped from backend/config.py must
fail here, not on the first night in production.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, ROOT, _create_pg_database, _drop_pg_database

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_EXAMPLE = DEPLOY / "kios-aduan.env.example"


def _exec_start(unit: Path) -> list[str]:
    text = unit.read_text().replace("\\\n", " ")
    lines = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart=")]
    assert len(lines) == 1, f"{unit.name}: one ExecStart"
    return shlex.split(lines[0])


def test_every_unit_runs_a_command_of_the_project():
    assert {u.name for u in UNITS} >= {"kios-aduan-web.service", "kios-aduan-relay.service",
                                       "kios-aduan-housekeeping.service", "kios-aduan-backup.service"}
    for unit in UNITS:
        argv = _exec_start(unit)
        assert argv[0].startswith("/opt/kios-aduan/"), unit.name
        local = ROOT / argv[0].removeprefix("/opt/kios-aduan/")
        assert local.exists(), f"{unit.name}: {argv[0]} is not in the project"
        text = unit.read_text()
        assert "EnvironmentFile=/etc/kios-aduan/kios-aduan.env" in text, unit.name


def test_flask_commands_in_the_units_exist(tmp_path):
    from backend import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "t"})
    runner = CliRunner()
    flask_units = [u for u in UNITS if _exec_start(u)[0].endswith("/flask")]
    assert len(flask_units) >= 2
    for unit in flask_units:
        args = _exec_start(unit)[1:]
        result = runner.invoke(app.cli, [*args, "--help"], obj=None)
        assert result.exit_code == 0, f"{unit.name}: flask {' '.join(args)}: {result.output}"


def test_web_unit_serves_the_app_the_procfile_serves():
    procfile = (ROOT / "Procfile").read_text()
    spec = re.search(r'"(backend:[^"]+)"', procfile).group(1)
    argv = _exec_start(DEPLOY / "systemd" / "kios-aduan-web.service")
    assert argv[0].endswith("/gunicorn") and argv[-1] == spec
    assert "127.0.0.1:8000" in argv  # nginx/kios-aduan.conf proxies there
    assert "proxy_pass http://127.0.0.1:8000;" in (DEPLOY / "nginx" / "kios-aduan.conf").read_text()


def test_env_example_sets_only_settings_the_app_reads():
    read = (ROOT / "backend" / "config.py").read_text() + (ROOT / "backend" / "__init__.py").read_text()
    names = [line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
             if line and not line.startswith("#")]
    assert "DATABASE_URL" in names and "SECRET_KEY" in names and "PUBLIC_BASE_URL" in names
    for name in names:
        if name == "FLASK_APP":
            continue  # read by the flask command itself
        assert f'"{name}"' in read, f"{name} is not read by backend/config.py"


def test_nginx_lets_the_largest_upload_reach_the_app():
    from backend.config import Config

    conf = (DEPLOY / "nginx" / "kios-aduan.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert size, "client_max_body_size missing"
    # The app, not nginx, must answer an oversized photo: in the citizen's language.
    assert int(size.group(1)) * 1024 * 1024 > Config("/tmp").MAX_CONTENT_LENGTH
    assert re.search(r"location\s+/static", conf) is None  # static files go through the app (minified, SRI)


def test_nginx_answers_a_down_app_with_our_own_page():
    conf = (DEPLOY / "nginx" / "kios-aduan.conf").read_text()
    page = re.search(r"error_page\s+502\s+504\s+(/\S+);", conf)
    assert page, "error_page 502 504 missing"
    block = re.search(r"location\s*=\s*" + re.escape(page.group(1)) + r"\s*\{(.*?)\}", conf, re.S)
    assert block and "internal;" in block.group(1) and "Retry-After" in block.group(1)
    root = re.search(r"root\s+(/\S+);", block.group(1)).group(1)
    # The file is where deploy/README.md puts the code (/opt/kios-aduan).
    html_file = ROOT / (root.removeprefix("/opt/kios-aduan/") + page.group(1))
    assert root.startswith("/opt/kios-aduan/") and html_file.exists(), html_file
    # The app's own 503 (its database down) must reach the browser as it is.
    assert "proxy_intercept_errors on" not in conf
    html = html_file.read_text()
    # Nothing to fetch while the app is down; Indonesian first, English too; 112 for emergencies.
    assert re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) is None
    assert '<html lang="id">' in html and 'lang="en"' in html and "112" in html
    assert "tidak dapat dihubungi" in html and "cannot be reached" in html


@pytest.fixture
def pg_database():
    name, url = _create_pg_database()
    yield name, url
    _drop_pg_database(name)


def test_backup_script_dumps_and_prunes(pg_database, tmp_path):
    name, url = pg_database
    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", autocommit=True) as conn:
        conn.execute("CREATE TABLE complaints (id int primary key, number text)")
        conn.execute("INSERT INTO complaints VALUES (1, '0101-26-000011')")
    old = tmp_path / "kios-aduan-20200101-013000.dump"
    old.write_bytes(b"old")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old, (forty_days_ago, forty_days_ago))
    recent = tmp_path / "kios-aduan-20991231-013000.dump"
    recent.write_bytes(b"recent")
    other = tmp_path / "notes.txt"
    other.write_text("kept")
    os.utime(other, (forty_days_ago, forty_days_ago))

    env = {**os.environ, "DATABASE_URL": url}  # the app's form: postgresql+psycopg://
    done = subprocess.run([str(DEPLOY / "backup.sh"), str(tmp_path), "30"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("kios-aduan-") and dump.suffix == ".dump"
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # personal data: the owner only
    listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and "TABLE DATA public complaints" in listing.stdout
    assert not old.exists()  # older than 30 days
    assert recent.exists() and other.exists()  # younger; not a dump
    assert not list(tmp_path.glob("*.part"))


def test_backup_script_refuses_a_sqlite_url(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    done = subprocess.run([str(DEPLOY / "backup.sh"), str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2 and "not a PostgreSQL URL" in done.stderr
    assert not list(tmp_path.glob("*.dump"))
