"""`emailseq`: the command line. Errors are one line on stderr and a non-zero exit status."""

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import EndpointConnectionError

from emailseq_cli.ai import ai_app
from emailseq_cli.api import call
from emailseq_cli.audit import audit_app
from emailseq_cli.contacts import contacts_app
from emailseq_cli.deliverability import deliverability_lines
from emailseq_cli.documents import load_document, parse_pairs
from emailseq_cli.errors import CliError
from emailseq_cli.local_commands import clock_app, local_app, outbox, tokens_app
from emailseq_cli.privacy import privacy_app
from emailseq_cli.quantum import quantum_app

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
    ("audit", audit_app),
    ("contacts", contacts_app),
    ("privacy", privacy_app),
    ("quantum", quantum_app),
    ("ai", ai_app),
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


def _status(sequence_id: str, action: str) -> None:
    result = call("POST", f"/v1/sequences/{sequence_id}/{action}")
    typer.echo(f"sequence {result['id']} is {result['status']}")


@sequences_app.command("pause")
def sequences_pause(sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")]) -> None:
    """Nobody new enrolls; running enrollments hold where they are."""
    _status(sequence_id, "pause")


@sequences_app.command("resume")
def sequences_resume(sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")]) -> None:
    _status(sequence_id, "resume")


@sequences_app.command("archive")
def sequences_archive(sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")]) -> None:
    """Final: running enrollments end, nobody new enrolls."""
    _status(sequence_id, "archive")


@sequences_app.command("enroll")
def sequences_enroll(
    sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")],
    email: Annotated[str, typer.Option(help="The contact's email address.")],
) -> None:
    """Enroll a contact by hand (no trigger event needed)."""
    result = call("POST", f"/v1/sequences/{sequence_id}/enrollments", {"contact": {"email": email}})
    typer.echo(f"{email} enrolled in {result['sequence_id']} (run {result['generation']})")


@sequences_app.command("unenroll")
def sequences_unenroll(
    sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE_ID")],
    email: Annotated[str, typer.Option(help="The contact's email address.")],
) -> None:
    """Take a contact out of a sequence: nothing more from it."""
    contact = call("GET", "/v1/contacts", params={"email": email})
    call("DELETE", f"/v1/sequences/{sequence_id}/enrollments/{contact['id']}")
    typer.echo(f"{email} unenrolled from {sequence_id}")


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


dlq_app = typer.Typer(help="Dead-letter queues: what failed after every retry.", no_args_is_help=True)
cli.add_typer(dlq_app, name="dlq")
StackOption = Annotated[str | None, typer.Option(help="In AWS: the CloudFormation stack (default: the local stack).")]
QueueOption = Annotated[str | None, typer.Option(help="send, enroll, opt-in, import or quantum (default: all).")]


@dlq_app.command("list")
def dlq_list(
    stack: StackOption = None, queue: QueueOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Messages in the dead-letter queues (they stay there)."""
    from emailseq_cli.dlq import peek, queue_pairs

    sqs, pairs = queue_pairs(stack)
    found = [m for pair in pairs if queue in (None, pair.name) for m in peek(sqs, pair)]
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for message in found:
        typer.echo(
            f"{message['queue']:<7} {message['message_id']}  receives={message['receives']}  "
            f"{json.dumps(message['body'])[:100]}"
        )
    typer.echo(f"{len(found)} message(s) in dead-letter queues")


@dlq_app.command("redrive")
def dlq_redrive(stack: StackOption = None, queue: QueueOption = None) -> None:
    """Send dead-lettered messages back to their queue to be processed again."""
    from emailseq_cli.dlq import queue_pairs, redrive

    sqs, pairs = queue_pairs(stack)
    for pair in pairs:
        if queue in (None, pair.name):
            typer.echo(f"{pair.name}: {redrive(sqs, pair)} message(s) sent back")


settings_app = typer.Typer(help="The tenant's settings.", no_args_is_help=True)
cli.add_typer(settings_app, name="settings")


@settings_app.command("show")
def settings_show() -> None:
    typer.echo(json.dumps(call("GET", "/v1/settings"), indent=2))


@settings_app.command("set")
def settings_set(
    max_emails_per_day: Annotated[
        int | None, typer.Option(min=1, max=100, help="Cap per contact per day across all sequences.")
    ] = None,
    max_sends_per_second: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Emails per second for the tenant (never above SES's rate).")
    ] = None,
    from_name: Annotated[str | None, typer.Option(help="Sender name, e.g. 'Acme Team'.")] = None,
    from_address: Annotated[str | None, typer.Option(help="Sender address (SES-verified in AWS).")] = None,
    reply_to: Annotated[str | None, typer.Option(help="Reply-To address.")] = None,
) -> None:
    """Replace the tenant's settings (an option left out is unset)."""
    body = {
        "max_emails_per_day": max_emails_per_day,
        "max_sends_per_second": max_sends_per_second,
        "from_name": from_name,
        "from_address": from_address,
        "reply_to": reply_to,
    }
    typer.echo(json.dumps(call("PUT", "/v1/settings", body), indent=2))


@cli.command("preview")
def preview(
    sequence_id: Annotated[str, typer.Argument(metavar="SEQUENCE")],
    step_id: Annotated[str, typer.Argument(metavar="STEP")],
    contact: Annotated[str | None, typer.Option(help="A contact's email (default: a sample contact).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    check: Annotated[bool, typer.Option(help="Score the message with SpamAssassin (when the stack has it).")] = True,
) -> None:
    """Render an email step as a contact would get it, with its SpamAssassin score and top rules."""
    params = {"email": contact} if contact else {}
    if not check:
        params["check"] = "false"
    data = call("GET", f"/v1/sequences/{sequence_id}/steps/{step_id}/preview", params=params or None)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"To: {data['to']}\nSubject: {data['subject']}\n\n{data['text']}")
    typer.echo(deliverability_lines(data.get("deliverability")))


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
        for arm in step.get("arms") or []:  # subject-line bandit steps
            typer.echo(
                f"    {arm['subject'][:40]:<40} sends {arm['sends']}  {arm['reward']} {arm['rate']:.1%}"
                f"  P(best) {arm['probability_best']:.2f}"
            )


@cli.command("simulate")
def simulate(
    file: Annotated[Path, typer.Argument(help="YAML or JSON sequence document.")],
    contacts: Annotated[int, typer.Option(help="Synthetic contacts.")] = 1000,
    days: Annotated[int, typer.Option(help="Days to simulate.")] = 30,
    open_rate: Annotated[float, typer.Option(help="Share of emails opened (0-20 h after the send).")] = 0.35,
    click_rate: Annotated[float, typer.Option(help="Share of opened emails clicked.")] = 0.05,
    goal_rate: Annotated[float, typer.Option(help="Share reaching the goal, at a random moment after signup.")] = 0.0,
    event_rate: Annotated[list[str] | None, typer.Option(help="TYPE=P: share emitting TYPE (repeatable).")] = None,
    timezones: Annotated[str, typer.Option(help="Contacts' timezones, comma-separated.")] = (
        "Europe/Berlin,America/New_York,Asia/Tokyo,UTC"
    ),
    arrivals: Annotated[str, typer.Option(help="spread: signups over the first day; burst: all at once.")] = "spread",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same run).")] = 1,
    step: Annotated[int, typer.Option(help="Scheduler tick in minutes.")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of sends per day per step.")] = None,
) -> None:
    """Dry-run a sequence over a synthetic audience, in memory (no stack needed): funnel and per-day timeline.

    The production use cases run on in-memory stores and a simulated clock from Monday 2026-01-05 00:00 UTC.
    """
    from emailseq_cli.simulate.command import main as simulate_main
    from emailseq_cli.simulate.options import make_options

    rates = (open_rate, click_rate, goal_rate)
    options = make_options(contacts, days, rates, event_rate or [], timezones, arrivals, seed, step)
    simulate_main(file, options, as_json, plot)


def app() -> None:
    try:
        cli()
    except CliError as error:
        print(f"emailseq: {error}", file=sys.stderr)
        sys.exit(1)
    except EndpointConnectionError as error:
        # The local stack's commands talk to the emulator directly: down, it is one line, not a traceback.
        print(
            f"emailseq: cannot reach {error.kwargs.get('endpoint_url')}: is the stack up (`make run`)?", file=sys.stderr
        )
        sys.exit(1)
