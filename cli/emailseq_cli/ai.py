"""`emailseq ai draft|subjects|rewrite|configure`: sequences drafted by a language model (docs/ai.md).

The API does the work (and validates every document it returns like `sequences apply` would); `configure` stores
the OpenAI key the API reads: in the local stack's Secrets Manager, or with `--secret-id` in AWS.
"""

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from emailseq_cli.api import call
from emailseq_cli.errors import CliError

ai_app = typer.Typer(help="Draft and rewrite sequences with a language model (OpenAI).", no_args_is_help=True)
LOCAL_SECRET_ID = "emailseq/local/openai"  # noqa: S105 (a secret's name, not its value)
Sequence = Annotated[str, typer.Argument(metavar="SEQUENCE_ID")]
Step = Annotated[str, typer.Argument(metavar="STEP_ID")]
Out = Annotated[Path | None, typer.Option(help="Write the document here (YAML, or JSON for .json) instead of stdout.")]


@ai_app.command("draft")
def draft(
    brief: Annotated[str, typer.Option(help="What the sequence is for: product, audience, goal, in words.")],
    emails: Annotated[int, typer.Option(min=1, max=10, help="How many emails.")] = 3,
    tone: Annotated[str, typer.Option(help="e.g. friendly, formal, playful.")] = "friendly",
    sequence_id: Annotated[str | None, typer.Option("--id", help="The sequence id to use.")] = None,
    trigger: Annotated[str | None, typer.Option(help="The trigger event, e.g. user.signed_up.")] = None,
    out: Out = None,
) -> None:
    """Draft a whole sequence from a brief; review it, then `emailseq sequences apply FILE`."""
    body: dict[str, Any] = {"brief": brief, "emails": emails, "tone": tone}
    body |= {k: v for k, v in (("sequence_id", sequence_id), ("trigger_event", trigger)) if v}
    _emit(call("POST", "/v1/ai/drafts", body)["document"], out)


@ai_app.command("subjects")
def subjects(sequence_id: Sequence, step_id: Step, count: Annotated[int, typer.Option(min=1, max=10)] = 5) -> None:
    """Alternative subject lines for an email step of a stored sequence."""
    body = {"sequence_id": sequence_id, "step_id": step_id, "count": count}
    result = call("POST", "/v1/ai/subjects", body)
    typer.echo(f"current: {result['current']}")
    for subject in result["subjects"]:
        typer.echo(subject)


@ai_app.command("rewrite")
def rewrite(
    sequence_id: Sequence,
    step_id: Step,
    tone: Annotated[str | None, typer.Option(help="e.g. more formal, warmer.")] = None,
    reading_level: Annotated[str | None, typer.Option(help="e.g. 'grade 6', 'plain English'.")] = None,
    out: Out = None,
) -> None:
    """Rewrite one email step; prints (or writes) the whole document with it, ready to apply."""
    body = {"sequence_id": sequence_id, "step_id": step_id, "tone": tone, "reading_level": reading_level}
    _emit(call("POST", "/v1/ai/rewrites", body)["document"], out)


@ai_app.command("configure")
def configure(
    secret_id: Annotated[
        str | None, typer.Option(help="In AWS: the secret to write (emailseq/<stage>/openai). Default: local stack.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="The model to use (default: the deployment's).")] = None,
) -> None:
    """Store OPENAI_API_KEY (and OPENAI_BASE_URL when set) where the deployed API reads them."""
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        raise CliError("OPENAI_API_KEY is not set: export it (and OPENAI_BASE_URL for a compatible server) first")
    value = {"api_key": key, "base_url": os.environ.get("OPENAI_BASE_URL"), "model": model}
    secrets = _secrets_client(secret_id is None)
    _put_secret(secrets, secret_id or LOCAL_SECRET_ID, json.dumps({k: v for k, v in value.items() if v}))
    typer.echo(f"OpenAI configured in {secret_id or LOCAL_SECRET_ID}")


def _secrets_client(local: bool) -> Any:
    if not local:
        import boto3

        return boto3.client("secretsmanager")
    from emailseq_cli.local.aws import local_client
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.stack import StackInfo

    return local_client("secretsmanager", StackInfo.load(local_paths()).endpoint)


def _put_secret(secrets: Any, secret_id: str, value: str) -> None:
    try:
        secrets.put_secret_value(SecretId=secret_id, SecretString=value)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=secret_id, SecretString=value)


def _emit(document: dict[str, Any], out: Path | None) -> None:
    if out is not None and out.suffix == ".json":
        text = json.dumps(document, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text)
    typer.echo(f"wrote {out}: review it, then `emailseq sequences apply {out}`")
