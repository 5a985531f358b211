"""`emailseq audit verify`: fetch the tenant's audit chain and recompute it here, on the caller's side."""

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from emailseq.audit.chain import AuditEntry, Checkpoint, Verdict, verify
from emailseq.audit.signing import CheckpointVerifier

from emailseq_cli.api import call
from emailseq_cli.errors import CliError

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def _entries() -> list[AuditEntry]:
    found: list[AuditEntry] = []
    after: int | None = 0
    while after is not None:
        page = call("GET", "/v1/audit", params={"after": str(after), "limit": "1000"})
        found += [AuditEntry(**{**row, "at": datetime.fromisoformat(row["at"])}) for row in page["entries"]]
        after = page["next_after"]
    return found


def _keys(given: Path | None, served: dict[str, str]) -> dict[str, str]:
    if given is None:
        return served
    pinned: dict[str, str] = json.loads(given.read_text())
    if pinned != served:
        raise CliError(f"the API serves other public keys than {given}: the log cannot be trusted as served")
    return pinned


@audit_app.command("verify")
def audit_verify(
    keys: Annotated[
        Path | None, typer.Option(help="JSON file of the public keys to trust (else the ones the API serves).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Recompute the hash chain and check every signed checkpoint; names the first entry altered or removed."""
    entries = _entries()
    served = call("GET", "/v1/audit/checkpoints")
    checkpoints = [Checkpoint(**row) for row in served["checkpoints"]]
    verdict = verify(entries, checkpoints, CheckpointVerifier(_keys(keys, served["public_keys"])))
    typer.echo(json.dumps(_summary(verdict)) if as_json else _line(verdict))
    if not verdict.intact:
        raise typer.Exit(1)


def _summary(verdict: Verdict) -> dict[str, Any]:
    return {key: getattr(verdict, key) for key in ("intact", "entries", "checkpoints", "problem", "first_bad_seq")}


def _line(verdict: Verdict) -> str:
    if verdict.intact:
        return (
            f"audit: {verdict.entries} entries, chain intact; "
            f"{verdict.checkpoints} checkpoints verified (Ed25519 + ML-DSA-65)"
        )
    return f"audit: NOT intact: {verdict.problem}"
