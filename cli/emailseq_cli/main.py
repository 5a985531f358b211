"""`emailseq`: the command line. Errors are one line on stderr and a non-zero exit status."""

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from emailseq_cli.api import call
from emailseq_cli.documents import load_document, parse_pairs
from emailseq_cli.errors import CliError
from emailseq_cli.local_commands import clock_app, local_app, outbox, tokens_app

cli = typer.Typer(
    help="emailseq: email sequences, exactly once.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sequences_app = typer.Typer(help="Sequence documents.", no_args_is_help=True)
events_app = typer.Typer(help="Contact events.", no_args_is_help=True)
for name, group in (
    ("local", local_app),
    ("clock", clock_app),
    ("tokens", tokens_app),
    ("sequences", sequences_app),
    ("events", events_app),
):
    cli.add_typer(group, name=name)
cli.command("outbox")(outbox)


@sequences_app.command("apply")
def sequences_apply(file: Annotated[Path, typer.Argument(help="YAML or JSON sequence document.")]) -> None:
    """Create or update a sequence: a new version when it changed, a no-op when not."""
    document = load_document(file)
    result = call("PUT", f"/v1/sequences/{document['id']}", document)
    state = "new version" if result["changed"] else "unchanged"
    typer.echo(f"sequence {result['id']} version {result['version']} ({state})")


@events_app.command("send")
def events_send(
    event_type: Annotated[str, typer.Argument(metavar="TYPE", help="Event type, e.g. user.signed_up")],
    email: Annotated[str, typer.Option(help="The contact's email address.")],
    prop: Annotated[list[str] | None, typer.Option(help="Event property k=v (repeatable).")] = None,
    attr: Annotated[list[str] | None, typer.Option(help="Contact field or attribute k=v (repeatable).")] = None,
    event_id: Annotated[str | None, typer.Option("--id", help="Idempotency key (processed once).")] = None,
) -> None:
    """Ingest an event for a contact (created or updated from --email and --attr)."""
    fields = parse_pairs(attr or [], "--attr")
    profile: dict[str, Any] = {k: fields.pop(k) for k in ("first_name", "last_name", "timezone") if k in fields}
    contact: dict[str, Any] = {"email": email, **profile}
    body = {
        "id": event_id or uuid.uuid4().hex,
        "type": event_type,
        "properties": parse_pairs(prop or [], "--prop"),
        "contact": {**contact, "attributes": fields},
    }
    result = call("POST", "/v1/events", body)
    typer.echo(f"event {result['id']} {result['status']}")


@cli.command("report")
def report(
    sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Per-step funnel of a sequence."""
    data = call("GET", f"/v1/sequences/{sequence_id}/report")
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(
        f"{data['sequence_id']}: enrolled {data['enrolled']}, completed {data['completed']}, "
        f"converted {data['converted']}, exited {data['exited']}"
    )
    for step in data["steps"]:
        typer.echo(f"  {step['id']:<24} sent {step['sent']}")


def app() -> None:
    try:
        cli()
    except CliError as error:
        print(f"emailseq: {error}", file=sys.stderr)
        sys.exit(1)
