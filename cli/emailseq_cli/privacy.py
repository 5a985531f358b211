"""`emailseq privacy export|erase --email E`: GDPR access and erasure of one contact (docs/privacy.md)."""

import json
from typing import Annotated

import typer

from emailseq_cli.api import call
from emailseq_cli.errors import CliError

privacy_app = typer.Typer(help="GDPR: export or erase everything held on a contact.", no_args_is_help=True)
Email = Annotated[str, typer.Option(help="The contact's email address.")]


def _contact_id(email: str) -> str:
    return str(call("GET", "/v1/contacts", params={"email": email})["id"])


@privacy_app.command("export")
def export(email: Email) -> None:
    """Print, as JSON, everything held on the contact: profile, consent, enrollments, archived sends."""
    typer.echo(json.dumps(call("GET", f"/v1/contacts/{_contact_id(email)}/export"), indent=2))


@privacy_app.command("erase")
def erase(
    email: Email,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
) -> None:
    """Erase the contact: PII and archived mail deleted, running sequences stopped, an audit entry kept."""
    if not yes:
        raise CliError("erasure cannot be undone: add --yes to confirm")
    contact_id = _contact_id(email)
    call("DELETE", f"/v1/contacts/{contact_id}")
    typer.echo(f"contact {contact_id} erased")
