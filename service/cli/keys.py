"""``topicpulse keys``: create, list and revoke API keys (the service must be stopped, or use
``/api/v1/keys`` with an admin key while it runs)."""

from __future__ import annotations

import typer

from config import TopicPulseError
from service.cli.common import domain_errors, open_store, settings_of
from store.keys import ROLES, create_key, list_keys, revoke_key

app = typer.Typer(help="Manage API keys. Keys are stored hashed; a new key is shown once.", no_args_is_help=True)


@app.command("create")
@domain_errors
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Who or what holds the key, e.g. 'dashboard'."),
    role: str = typer.Option("reader", "--role", "-r", help=f"One of {', '.join(ROLES)}."),
) -> None:
    """Create a key and print it once.

    Example: topicpulse keys create dashboard --role reader
    """
    if role not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}", param_hint="--role")
    with open_store(settings_of(ctx)) as store:
        record, token = create_key(store, name, role)
    typer.echo(f"created key {record['id']} ({record['prefix']}, {record['role']}) for {record['name']}")
    typer.echo("Store this key now; it cannot be shown again:")
    typer.echo(token)


@app.command("list")
@domain_errors
def list_(
    ctx: typer.Context,
    all_keys: bool = typer.Option(False, "--all", help="Include revoked keys."),
) -> None:
    """List keys by id, prefix, role and name (never the keys themselves).

    Example: topicpulse keys list --all
    """
    with open_store(settings_of(ctx)) as store:
        rows = list_keys(store, include_revoked=all_keys)
    if not rows:
        typer.echo("no keys; create one with `topicpulse keys create NAME --role admin`")
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
        typer.echo(f"{row['id']}\t{row['prefix']}\t{row['role']}\t{state}\t{row['name']}")


@app.command("revoke")
@domain_errors
def revoke(ctx: typer.Context, key_id: int = typer.Argument(..., help="The id shown by `keys list`.")) -> None:
    """Revoke a key; requests with it get 401 from then on.

    Example: topicpulse keys revoke 3
    """
    with open_store(settings_of(ctx)) as store:
        record = revoke_key(store, key_id)
    if record is None:
        raise TopicPulseError(f"no active key with id {key_id}; see `topicpulse keys list --all`")
    typer.echo(f"revoked key {record['id']} ({record['prefix']}) of {record['name']}")
