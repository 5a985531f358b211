"""What a simulation shows: the funnel (from the counters the store kept, as `emailseq report` reads them), the
per-day timeline of sends per email step, as text or JSON, and the optional PNG chart."""

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from emailseq_cli.errors import CliError
from emailseq_cli.simulate.options import START, TENANT
from emailseq_cli.simulate.run import Outcome


def summary(outcome: Outcome) -> dict[str, Any]:
    """Everything the run counted, as JSON data (the same for the same options and seed)."""
    options, document, world = outcome.options, outcome.stored.document, outcome.world
    counts = world.sequences.counts(TENANT, document.id)
    step_ids = [step.id for step in document.email_steps()]
    steps = []
    for step_id in step_ids:
        found = counts.steps.get(step_id)
        sent, opened, clicked = (found.sent, found.opened, found.clicked) if found else (0, 0, 0)
        steps.append({"id": step_id, "sent": sent, "opened": opened, "clicked": clicked})
    timeline = []
    for day in range(options.days):
        per_step = outcome.sends_by_day.get(day, Counter[str]())
        sends = {step_id: per_step[step_id] for step_id in step_ids}
        date = (START + timedelta(days=day)).date().isoformat()
        timeline.append({"day": day + 1, "date": date, "sent": sends, "total": sum(sends.values())})
    return {
        "sequence": document.id,
        "settings": {**_settings(outcome), "start": START.isoformat()},
        "funnel": {
            "enrolled": counts.enrolled,
            "completed": counts.completed,
            "converted": counts.converted,
            "exited": counts.exited,
            "active": world.store.statuses()["active"],
            "steps": steps,
        },
        "timeline": timeline,
        "effects": {
            "emails": world.mailer.sent,
            "webhooks": len(world.webhooks.calls),
            "attribute_updates": world.contacts.attribute_updates,
            "events": dict(sorted(outcome.events.items())),
        },
    }


def _settings(outcome: Outcome) -> dict[str, Any]:
    options = outcome.options
    return {
        "contacts": options.contacts,
        "days": options.days,
        "open_rate": options.open_rate,
        "click_rate": options.click_rate,
        "goal_rate": options.goal_rate,
        "event_rates": dict(options.event_rates),
        "timezones": list(options.timezones),
        "arrivals": options.arrivals,
        "seed": options.seed,
        "step_minutes": options.step_minutes,
    }


def text(data: dict[str, Any]) -> str:
    funnel, settings = data["funnel"], data["settings"]
    lines = [
        f"{data['sequence']}: {settings['contacts']:,} contacts over {settings['days']} days from "
        f"{settings['start'][:10]} (seed {settings['seed']}, open {settings['open_rate']:.0%}, "
        f"click {settings['click_rate']:.0%} of opens, goal {settings['goal_rate']:.0%})",
        "",
        f"{'step':<20} {'sent':>9} {'of enrolled':>12} {'opened':>9} {'open rate':>10} {'clicked':>9} {'CTR':>7}",
    ]
    enrolled = funnel["enrolled"]
    for step in funnel["steps"]:
        lines.append(
            f"{step['id']:<20} {step['sent']:>9,} {_share(step['sent'], enrolled):>12} "
            f"{step['opened']:>9,} {_share(step['opened'], step['sent']):>10} "
            f"{step['clicked']:>9,} {_share(step['clicked'], step['sent']):>7}"
        )
    lines += [
        "",
        f"enrolled {enrolled:,} · converted {funnel['converted']:,} · exited {funnel['exited']:,} · "
        f"completed {funnel['completed']:,} · still active {funnel['active']:,}",
        "",
        *_timeline(data),
    ]
    return "\n".join(lines)


def _timeline(data: dict[str, Any]) -> list[str]:
    step_ids = [step["id"] for step in data["funnel"]["steps"]]
    widths = [max(len(step_id), 7) for step_id in step_ids]
    header = "  ".join(f"{step_id:>{width}}" for step_id, width in zip(step_ids, widths, strict=True))
    lines = [f"{'day':>4}  {'date':<10}  {header}  {'total':>8}"]
    for row in data["timeline"]:
        cells = "  ".join(f"{row['sent'][s]:>{w},}" for s, w in zip(step_ids, widths, strict=True))
        lines.append(f"{row['day']:>4}  {row['date']:<10}  {cells}  {row['total']:>8,}")
    return lines


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def plot(data: dict[str, Any], path: Path) -> None:
    """Stacked bars: emails sent per day, one colour per email step (matplotlib's Agg backend, no display)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise CliError("--plot needs matplotlib: pip install 'emailseq[sim]'") from error
    days = [row["day"] for row in data["timeline"]]
    figure = Figure(figsize=(max(8.0, len(days) * 0.3), 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bottom = [0] * len(days)
    for step in data["funnel"]["steps"]:
        heights = [row["sent"][step["id"]] for row in data["timeline"]]
        axes.bar(days, heights, bottom=bottom, label=step["id"])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set(xlabel="day", ylabel="emails sent", title=f"{data['sequence']}: sends per day per step")
    axes.legend(loc="upper right")
    try:
        figure.savefig(path, format="png", dpi=100)
    except OSError as error:
        raise CliError(f"--plot {path}: cannot write: {error}") from error
