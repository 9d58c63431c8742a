"""The official complaint channels for citizens: the public page /kanal, the
posters of each office (PDF through printing/posters.py) and the content of
the kiosk's attract screen. One list of channels (backend/channels.py), edited
by admins in the console (kiosk/console/channels.py).

`register(app)` adds the blueprint, the poster cache and the template helpers
the kiosk start screen uses for its attract screen.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from printing.posters import PosterCache


def register(app: Flask) -> None:
    from kiosk.channels import content
    from kiosk.channels.views import bp

    app.register_blueprint(bp)
    app.extensions["kios_posters"] = PosterCache(Path(app.instance_path) / "posters")
    app.jinja_env.globals.update(attract_content=content.attract_content)

    posters_cli = AppGroup("posters", help="The channels posters of the offices (A4 poster, A5 table card).")

    @posters_cli.command("build")
    @click.option("--lang", type=click.Choice(["id", "en"]), default="id")
    def build(lang: str) -> None:
        """Render every office's posters into the cache (instance/posters), so
        that downloads, one office or all 76 at once, need no rendering."""
        from backend.models import Office
        from backend.extensions import db
        from sqlalchemy import select

        offices = db.session.scalars(select(Office).order_by(Office.code)).all()
        for data in content.all_poster_data(offices, lang):
            for size in ("a4", "a5"):
                poster_cache().pdf(data, size)
        click.echo(f"{len(offices) * 2} posters ready in {app.extensions['kios_posters'].directory}")

    app.cli.add_command(posters_cli)


def poster_cache() -> PosterCache:
    return current_app.extensions["kios_posters"]
