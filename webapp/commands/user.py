"""``balise user add|list|passwd``: staff accounts of the editor."""
from __future__ import annotations

import sys

import click

from poi.errors import BaliseError
from poi.i18n import gettext as _
from webapp.cli_options import db_option, pass_env
from webapp.staff_store import ROLES, StaffStore


def _read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt(_("Password"), hide_input=True, default="", show_default=False)
    second = click.prompt(_("Password again"), hide_input=True, default="", show_default=False)
    if first != second:
        raise BaliseError(_("the two passwords differ; nothing changed"))
    return first


@click.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True,
              help="editor: edits trails; admin: also manages accounts and deletes trails.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@db_option
@pass_env
def add(env, username, role, password_stdin):
    """Create an account (the password is asked twice, hidden)."""
    account = StaffStore(env.db).add_user(username, _read_password(password_stdin), role=role)
    click.echo(_("Account {name} created ({role}).", name=account.username, role=account.role))


@click.command("list")
@db_option
@pass_env
def list_(env):
    """List the accounts: name, role, active or not, creation date."""
    for account in StaffStore(env.db).users():
        state = "active" if account.active else "inactive"
        click.echo(f"{account.username}\t{account.role}\t{state}\t{account.created_at}")


@click.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@db_option
@pass_env
def passwd(env, username, password_stdin):
    """Change an account's password (its open sessions end)."""
    store = StaffStore(env.db)
    if store.get_user(username) is None:  # say so before asking for a password
        raise BaliseError(_("no user named {name!r}: see `balise user list`", name=username))
    account = store.set_password(username, _read_password(password_stdin))
    click.echo(_("Password of {name} changed.", name=account.username))
