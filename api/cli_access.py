"""`callqa token` and `callqa user`: who may use the API (bearer tokens) and the web workspace
(people who sign in). Secrets are shown once or never: a token when it is made, a password not
at all (it is asked for, so it stays out of the shell history and the process list)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from api.render import message, safe
from runtime.services import Services
from runtime.settings import get_settings
from store.tokens import ROLES
from store.users import UserError

console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True)

token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in to the web workspace (/ui).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
    app.add_typer(user_app, name="user")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
    name: Annotated[str, typer.Option(help="who or what uses it")] = "cli",
    agent_id: Annotated[
        str | None, typer.Option(help="for role agent: the agent whose calls it may see")
    ] = None,
) -> None:
    """Create a bearer token; it is printed once and only its hash is stored."""
    services = Services(get_settings())
    try:
        record, plaintext = services.tokens.create(role, name, agent_id)
    except ValueError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    errors.print(f"token {record.id} ({record.role}) created; store it now, it is not shown again:")
    print(plaintext)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their values)."""
    for record in Services(get_settings()).tokens.all():
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        console.print(safe(f"{record.id}\t{record.role}\t{record.name}\t{record.agent_id or '-'}\t{state}"))


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="the token's number from `token list`")],
) -> None:
    """Revoke a token at once."""
    if not Services(get_settings()).tokens.revoke(token_id):
        errors.print(f"no active token {token_id}")
        raise typer.Exit(1)
    console.print(f"token {token_id} revoked")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="the user name (lower case letters, digits, . _ -)")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")],
    agent_id: Annotated[str | None, typer.Option(help="for role agent: whose calls they see")] = None,
    team: Annotated[str | None, typer.Option(help="the user's team")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
    ] = False,
) -> None:
    """Add a user; the password is asked for (or read from stdin), never given as an argument,
    where it would show in the shell history and the process list."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = Services(get_settings()).users.add(name, password, role, agent_id, team)
    except UserError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(2) from error
    console.print(safe(f"user {user.name} ({user.role}) added"))


@user_app.command("list")
def user_list() -> None:
    """List users (never their password hashes)."""
    for user in Services(get_settings()).users.all():
        state = f"disabled {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
        fields = (user.name, user.role, user.agent_id or "-", user.team or "-", state)
        console.print(safe("\t".join(fields)))


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="the user name")]) -> None:
    """Disable a user at once: their open sessions end with their next request."""
    try:
        Services(get_settings()).users.disable(name)
    except UserError as error:
        errors.print(message("error:", "red", error))
        raise typer.Exit(1) from error
    console.print(safe(f"user {name} disabled"))
