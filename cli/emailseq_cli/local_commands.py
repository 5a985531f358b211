"""`emailseq local …`, `clock …`, `outbox`, `tokens …`: the local stack's own commands."""

import json
import time
from datetime import datetime
from typing import Annotated

import typer
from emailseq.auth import Role
from emailseq.domain.durations import parse_duration

from emailseq_cli.errors import CliError

local_app = typer.Typer(help="Run the stack locally on the embedded AWS emulator.", no_args_is_help=True)
clock_app = typer.Typer(help="Local only: move the stack's clock forward.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@local_app.command("up")
def local_up(
    detach: Annotated[bool, typer.Option(help="Leave the stack running in the background.")] = False,
    seed: Annotated[bool, typer.Option(help="Seed the demo tenant's demo sequence.")] = True,
) -> None:
    """Start the emulator, deploy serverless.yml into it, seed the demo; Ctrl-C stops it (state is kept)."""
    from emailseq_cli.local.run import up

    up(detach=detach, seed=seed)


@local_app.command("down")
def local_down() -> None:
    """Stop the local stack (its state stays under .emailseq/ for the next `up`)."""
    from emailseq_cli.local import emulator, spamd
    from emailseq_cli.local.paths import local_paths

    paths = local_paths()
    spamd.stop(paths)
    typer.echo("stopped" if emulator.stop(paths) else "the local stack was not running")


@local_app.command("env")
def local_env() -> None:
    """Print shell lines for the API URL, a token, the dashboard URL and the AWS endpoint."""
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.stack import StackInfo, dev_token, env_lines

    info = StackInfo.load(local_paths())
    typer.echo("\n".join(env_lines(info, dev_token(info))))


@clock_app.command("now")
def clock_now() -> None:
    """Print the local stack's current time (ISO 8601, UTC)."""
    from emailseq_cli.local.clock import local_now
    from emailseq_cli.local.paths import local_paths

    typer.echo(local_now(local_paths()).isoformat())


@clock_app.command("set")
def clock_set(moment: Annotated[str, typer.Argument(help="ISO 8601 time, e.g. 2026-12-01T09:00:00Z")]) -> None:
    try:
        target = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError as error:
        raise CliError(f"{moment!r} is not an ISO 8601 time such as 2026-12-01T09:00:00Z") from error
    if target.tzinfo is None:
        raise CliError(f"{moment!r} has no timezone; add Z or an offset such as +01:00")
    _travel(target)


@clock_app.command("advance")
def clock_advance(duration: Annotated[str, typer.Argument(help="How far: 90m, 36h, 2d, 1w")]) -> None:
    from emailseq_cli.local.clock import local_now
    from emailseq_cli.local.paths import local_paths

    try:
        delta = parse_duration(duration)
    except ValueError as error:
        raise CliError(str(error)) from error
    _travel(local_now(local_paths()) + delta)


def _travel(target: datetime) -> None:
    from emailseq_cli.local.clock import move_to
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.settle import run_until_idle, settle
    from emailseq_cli.local.stack import StackInfo

    paths = local_paths()
    info = StackInfo.load(paths)
    started = time.monotonic()
    # What is already in motion (an event still on its way to a cold enroller) happens before the move, at the
    # time it was sent: moved first, it would be stamped days later and its waits would start from there.
    settle(info)
    move_to(paths, info, target)
    run_until_idle(info)
    typer.echo(f"clock at {target.isoformat()}; every step due by then has run ({time.monotonic() - started:.1f}s)")


def outbox(
    to: Annotated[str | None, typer.Option(help="Only messages to this address.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Local only: delivered messages, oldest first."""
    from emailseq_cli.local.outbox import delivered
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.settle import settle
    from emailseq_cli.local.stack import StackInfo

    info = StackInfo.load(local_paths())
    settle(info)
    messages = delivered(info, to)
    if as_json:
        typer.echo(json.dumps(messages, indent=2))
        return
    for message in messages:
        typer.echo(f"{message['sent_at']}  {message['to']:<32}  {message['subject']}")
    if not messages:
        typer.echo("(no messages)")


SecretId = Annotated[
    str | None, typer.Option(help="In AWS: the TokenSecretArn stack output (uses your AWS credentials).")
]


@tokens_app.command("create")
def tokens_create(
    tenant: Annotated[str, typer.Option(help="Tenant id.")],
    role: Annotated[Role, typer.Option(help="owner, editor or viewer.")] = Role.OWNER,
    secret_id: SecretId = None,
    days: Annotated[int, typer.Option(min=1, max=365, help="Lifetime in days.")] = 30,
) -> None:
    """Print a signed token for a tenant: signed with the local stack's key, or with --secret-id in AWS."""
    from datetime import UTC, timedelta

    from emailseq.auth import InvalidToken, mint_token

    from emailseq_cli.token_keys import load_keys

    try:
        typer.echo(mint_token(load_keys(secret_id), tenant, role, datetime.now(UTC), timedelta(days=days)))
    except InvalidToken as error:
        raise CliError(f"{error}; pick another --tenant") from error


@tokens_app.command("rotate-key")
def tokens_rotate_key(secret_id: SecretId = None) -> None:
    """Add a new signing key and make it current; tokens signed with older keys keep working until retired."""
    from emailseq_cli.token_keys import load_keys, save_keys

    keys = load_keys(secret_id).rotated()
    save_keys(secret_id, keys)
    typer.echo(f"new signing key {keys.current}; keys: {', '.join(sorted(keys.keys))}")


@tokens_app.command("retire-key")
def tokens_retire_key(
    kid: Annotated[str, typer.Argument(help="The key id to remove.")], secret_id: SecretId = None
) -> None:
    """Remove a signing key: tokens it signed stop working (warm authorizers re-read keys within 5 minutes)."""
    from emailseq_cli.token_keys import load_keys, save_keys

    try:
        keys = load_keys(secret_id).without(kid)
    except ValueError as error:
        raise CliError(str(error)) from error
    save_keys(secret_id, keys)
    typer.echo(f"retired {kid}; keys: {', '.join(sorted(keys.keys))} (current {keys.current})")


@tokens_app.command("keys")
def tokens_keys(secret_id: SecretId = None) -> None:
    """List the signing key ids (never the keys) and which one is current."""
    from emailseq_cli.token_keys import load_keys

    keys = load_keys(secret_id)
    for kid in sorted(keys.keys):
        typer.echo(f"{kid}{'  (current)' if kid == keys.current else ''}")
