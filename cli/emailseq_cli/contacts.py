"""`emailseq contacts import FILE.csv`: upload a CSV through a presigned URL, then follow the import to its end."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from emailseq_cli.api import call
from emailseq_cli.errors import CliError

contacts_app = typer.Typer(help="Contacts: CSV import.", no_args_is_help=True)


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header line; an `email` column is required.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (no progress bar).")] = False,
    wait: Annotated[float, typer.Option(help="Give up waiting after this many seconds.")] = 3600,
) -> None:
    """Import contacts: progress bar until done, then the counts and a link to the report of the bad rows."""
    if not file.is_file():
        raise CliError(f"{file}: no such file")
    created = call("POST", "/v1/imports")
    _upload(file, created["upload_url"])
    final = _follow(created["id"], wait, show_bar=not as_json)
    if as_json:
        typer.echo(json.dumps(final, indent=2))
    else:
        typer.echo(
            f"import {final['id']} {final['status']}: {final['done']} rows, {final['good']} good, {final['bad']} bad"
        )
        if final.get("error_report_url"):
            typer.echo(f"error report: {final['error_report_url']}")
    if final["status"] == "failed":
        raise CliError(f"the import failed: {final.get('reason')}")


def _upload(file: Path, url: str) -> None:
    try:
        with file.open("rb") as body:
            response = httpx.put(url, content=body, headers={"Content-Type": "text/csv"}, timeout=300)
    except httpx.HTTPError as error:
        raise CliError(f"cannot upload {file} to the import URL: {error}") from error
    if response.status_code >= 300:
        raise CliError(f"the upload was refused ({response.status_code}): {response.text[:200]}")


def _follow(import_id: str, wait: float, show_bar: bool) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    deadline = time.monotonic() + wait
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not show_bar, transient=False) as progress:
        task = progress.add_task("rows", total=None)
        while True:
            state: dict[str, Any] = call("GET", f"/v1/imports/{import_id}")
            progress.update(task, total=state["total"], completed=state["done"])
            if state["status"] in ("done", "failed"):
                return state
            if time.monotonic() > deadline:
                raise CliError(f"import {import_id} still {state['status']} after {wait:.0f} s; ask again later")
            time.sleep(0.5)
