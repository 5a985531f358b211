"""`emailseq simulate`: load and check, run, print (and draw)."""

import json
import time
from pathlib import Path

import typer

from emailseq_cli.errors import CliError
from emailseq_cli.simulate.options import Options, load_sequence


def main(file: Path, options: Options, as_json: bool, plot_to: Path | None) -> None:
    stored = load_sequence(file)
    if options.goal_rate and stored.document.goal is None:
        raise CliError(f"--goal-rate {options.goal_rate}: {file} has no goal for contacts to reach")
    if plot_to is not None:
        _check_plot(plot_to)
    from emailseq_cli.simulate.report import plot, summary, text
    from emailseq_cli.simulate.run import simulate

    started = time.perf_counter()
    data = summary(simulate(stored, options))
    elapsed = time.perf_counter() - started
    if plot_to is not None:
        plot(data, plot_to)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(text(data))
    typer.echo(f"\nsimulated in {elapsed:.1f}s" + (f"; chart written to {plot_to}" if plot_to else ""))


def _check_plot(path: Path) -> None:
    """Fail before the run, not after it: matplotlib present, a .png name in a folder that exists."""
    if path.suffix.lower() != ".png":
        raise CliError(f"--plot {path}: give a file name ending in .png")
    if not path.parent.is_dir():
        raise CliError(f"--plot {path}: the folder {path.parent} does not exist")
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise CliError("--plot needs matplotlib: pip install 'emailseq[sim]'") from error
