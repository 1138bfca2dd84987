"""``supforms users``: the accounts that sign in to the web face (``supforms serve``)."""

from __future__ import annotations

import sys

import click
from supforms.pipeline.cli.common import json_option, store_option
from supforms.pipeline.cli.records import open_records
from supforms.pipeline.text import json_line, printable

__all__ = ["users_group"]


@click.group("users")
def users_group() -> None:
    """Add, list and remove the accounts that sign in to the dashboard.

    \b
    Roles: an officer reads every record; a manager reads their teams' records
    only (--team, once per team); an auditor reads everything and changes
    nothing. A password is typed at a prompt (twice), or read from standard
    input with --password-stdin; never given as an argument. Audited.

    \b
    Examples:
      supforms users add "Amira Okafor" --role manager --team East
      supforms users list
      supforms users remove "Amira Okafor"
    """


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["officer", "manager", "auditor"]), required=True,
    help="What the account may read.",
)  # fmt: skip
@click.option("--team", "teams", multiple=True, help="A team a manager sees (repeat for more).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input's first line."
)
@store_option
@click.pass_context
def add_command(
    ctx: click.Context, name: str, role: str, teams: tuple[str, ...], password_stdin: bool,
    store: str | None,
) -> None:  # fmt: skip
    """Add an account.

    \b
    Examples:
      supforms users add "Amira Okafor" --role manager --team East --team West
      supforms users add "Lee Chan" --role auditor --password-stdin < secret.txt
    """
    from supforms.pipeline.web.accounts import add_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    user = add_account(open_records(ctx, create=True), name, password, role, list(teams))
    where = f" (teams: {', '.join(user.teams)})" if user.teams else ""
    click.echo(printable(f"Added {user.name}, {user.role}{where}."))


@users_group.command("list")
@json_option("One JSON object per account (name, role, teams, created_at).")
@store_option
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, store: str | None) -> None:
    """List the accounts (never a password or its hash).

    \b
    Examples:
      supforms users list
      supforms users list --json
    """
    users = open_records(ctx).web_users()
    if as_json:
        for user in users:
            click.echo(json_line(user.as_json()))
        return
    if not users:
        click.echo("No accounts: add one with supforms users add.")
        return
    click.echo(f"{'NAME':<32}{'ROLE':<10}{'ADDED':<12}TEAMS")
    for user in users:
        click.echo(
            printable(
                f"{user.name[:31]:<32}{user.role:<10}{user.created_at:%d/%m/%Y}  "
                f"{', '.join(user.teams) or '-'}"
            )
        )


@users_group.command("remove")
@click.argument("name")
@store_option
@click.pass_context
def remove_command(ctx: click.Context, name: str, store: str | None) -> None:
    """Remove an account: its sessions end at their next request.

    \b
    Example:
      supforms users remove "Amira Okafor" --store postgresql://supforms@db/records
    """
    open_records(ctx).remove_web_user(" ".join(name.split()))
    click.echo(printable(f"Removed {name}."))
