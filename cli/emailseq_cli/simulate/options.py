"""The simulation's settings, checked (every mistake is one CliError line), and the sequence document it runs."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emailseq.domain.errors import InvalidInput
from emailseq.domain.ports import StoredSequence
from emailseq.domain.sequence import SequenceDocument
from emailseq.rendering.templates import check_templates
from pydantic import ValidationError

from emailseq_cli.documents import load_document
from emailseq_cli.errors import CliError

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, midnight UTC: runs are reproducible, whatever today is
TENANT = "sim"
ARRIVALS = ("spread", "burst")
DEFAULT_TIMEZONES = "Europe/Berlin,America/New_York,Asia/Tokyo,UTC"
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


@dataclass(frozen=True)
class Options:
    contacts: int = 1000
    days: int = 30
    open_rate: float = 0.35
    click_rate: float = 0.05  # of the opens
    goal_rate: float = 0.0
    event_rates: tuple[tuple[str, float], ...] = ()
    timezones: tuple[str, ...] = tuple(DEFAULT_TIMEZONES.split(","))
    arrivals: str = "spread"  # spread: signups uniformly over the first day; burst: all at the start
    seed: int = 1
    step_minutes: int = 15


def make_options(
    contacts: int,
    days: int,
    rates: tuple[float, float, float],
    event_rates: list[str],
    timezones: str,
    arrivals: str,
    seed: int,
    step_minutes: int,
) -> Options:
    """Options from the command line's values; CliError naming the option for anything out of range."""
    _within("--contacts", contacts, 1, 1_000_000)
    _within("--days", days, 1, 3650)
    _within("--step", step_minutes, 1, 1440)
    for name, rate in zip(("--open-rate", "--click-rate", "--goal-rate"), rates, strict=True):
        _within(name, rate, 0.0, 1.0)
    if arrivals not in ARRIVALS:
        raise CliError(f"--arrivals {arrivals!r}: use one of {', '.join(ARRIVALS)}")
    return Options(
        contacts=contacts,
        days=days,
        open_rate=rates[0],
        click_rate=rates[1],
        goal_rate=rates[2],
        event_rates=tuple(_event_rate(pair) for pair in event_rates),
        timezones=_zones(timezones),
        arrivals=arrivals,
        seed=seed,
        step_minutes=step_minutes,
    )


def load_sequence(path: Path) -> StoredSequence:
    """The document as `sequences apply` would store it: validated, its templates trial-rendered."""
    data = load_document(path)
    try:
        document = SequenceDocument.model_validate(data)
        check_templates(document)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in error.errors())
        raise CliError(f"{path}: not a valid sequence: {problems}") from error
    except InvalidInput as error:
        raise CliError(f"{path}: {error}") from error
    return StoredSequence(TENANT, document, 1, document.content_hash(), START)


def _within(option: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise CliError(f"{option} {value}: must be between {low} and {high}")


def _event_rate(pair: str) -> tuple[str, float]:
    event, _, share = pair.partition("=")
    try:
        rate = float(share)
    except ValueError:
        rate = -1.0
    if not _EVENT_TYPE.match(event) or not 0.0 <= rate <= 1.0:
        raise CliError(f"--event-rate {pair!r}: expected TYPE=P with P between 0 and 1, e.g. app.opened=0.4")
    return event, rate


def _zones(text: str) -> tuple[str, ...]:
    zones = tuple(zone.strip() for zone in text.split(",") if zone.strip())
    if not zones:
        raise CliError("--timezones: give at least one IANA timezone, e.g. Europe/Berlin,UTC")
    for zone in zones:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CliError(f"--timezones: {zone!r} is not an IANA timezone such as Europe/Berlin") from error
    return zones
