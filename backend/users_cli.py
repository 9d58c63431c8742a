"""`flask users ...`: officer accounts from the command line (the first admin)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend import auth
from backend.extensions import db
from backend.models import ROLES, User

users_cli = AppGroup("users", help="Officer accounts: create, disable, set a kiosk PIN.")


def _fail(exc: auth.AuthError):
    db.session.rollback()
    raise click.ClickException(str(exc.message))


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--office", "office_code", default=None, help="Office code, e.g. 0000 (Walikota) or 0101.")
@click.option("--name", "full_name", default=None, help="Full name (default: the username).")
@click.option("--phone", default="", help="The officer's own work phone.")
@click.option("--email", default="", help="The officer's own work email.")
@click.password_option("--password", prompt="Password", help="At least 12 characters (prompted if omitted).")
def create(username, role, office_code, full_name, phone, email, password):
    """Create an account, e.g. the first admin: flask users create --username admin --role admin"""
    try:
        user = auth.create_user(username=username, full_name=full_name or username, role=role,
                                office_code=office_code, password=password, phone=phone, email=email)
    except auth.AuthError as exc:
        _fail(exc)
    auth.audit("user_create", target=f"user:{user.username}", detail=f"{role} (cli)")
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}{', office ' + user.office.code if user.office else ''})")


def _user(username: str) -> User:
    user = auth.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


def _set_active(username: str, active: bool) -> None:
    user = _user(username)
    auth.set_active(user, active)
    word = "enable" if active else "disable"
    auth.audit(f"user_{word}", target=f"user:{user.username}", detail="cli")
    db.session.commit()
    click.echo(f"{word}d {user.username}")


@users_cli.command("disable")
@click.argument("username")
def disable(username):
    """Disable an account; its sessions end at once."""
    _set_active(username, False)


@users_cli.command("enable")
@click.argument("username")
def enable(username):
    """Enable a disabled account again."""
    _set_active(username, True)


@users_cli.command("set-pin")
@click.argument("username")
@click.option("--pin", prompt="PIN (6 to 8 digits)", hide_input=True, confirmation_prompt=True)
def set_pin(username, pin):
    """Set the PIN an officer types on a kiosk to switch it into assisted mode."""
    user = _user(username)
    try:
        auth.set_pin(user, pin)
    except auth.AuthError as exc:
        _fail(exc)
    auth.audit("pin_reset", target=f"user:{user.username}", detail="cli")
    db.session.commit()
    click.echo(f"PIN set for {user.username}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option("--password", prompt="New password")
def set_password(username, password):
    """Set a new password; the account's sessions end."""
    user = _user(username)
    try:
        auth.set_password(user, password)
    except auth.AuthError as exc:
        _fail(exc)
    auth.end_user_sessions(user.id, "password")
    auth.audit("password_reset", target=f"user:{user.username}", detail="cli")
    db.session.commit()
    click.echo(f"password changed for {user.username}")


@users_cli.command("list")
def list_users():
    for user in db.session.scalars(select(User).order_by(User.username)):
        office = user.office.code if user.office else "-"
        click.echo(f"{user.username:20} {user.role:9} {office:5} {'active' if user.active else 'disabled'}  "
                   f"{user.full_name}")
