"""Human durations (`90m`, `2d`, ...): parsing, the shortest exact format, and their round trip."""

import random
from datetime import timedelta

import pytest
from emailseq.domain.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("90m", timedelta(minutes=90)),
        ("36h", timedelta(hours=36)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("0s", timedelta(0)),
    ],
)
def test_parse_reads_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    # Given a duration written with each accepted unit / When it is parsed / Then it is that timedelta
    assert parse_duration(text) == expected


def test_parse_tolerates_whitespace_around_and_between_number_and_unit() -> None:
    # Given a duration with stray spaces (as typed in YAML) / When parsed / Then the spaces do not matter
    assert parse_duration("  2 d ") == timedelta(days=2)


@pytest.mark.parametrize(
    "text",
    ["", "2", "d", "2x", "-1d", "1.5h", "2 days", "P2D", "1d2h", "2D", "two d", "1e3s"],
)
def test_parse_rejects_anything_but_a_whole_number_and_one_unit(text: str) -> None:
    # Given text that is not `<number><unit>` / When parsed / Then a ValueError lists the accepted forms
    with pytest.raises(ValueError, match=r"not a duration; use a number and a unit s, m, h, d or w"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(weeks=2), "2w"),
        (timedelta(days=7), "1w"),
        (timedelta(days=3), "3d"),
        (timedelta(hours=48), "2d"),
        (timedelta(hours=36), "36h"),
        (timedelta(minutes=120), "2h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(seconds=61), "61s"),
        (timedelta(0), "0s"),
    ],
)
def test_format_picks_the_largest_unit_that_is_exact(delta: timedelta, expected: str) -> None:
    # Given a duration / When formatted / Then it uses the largest unit that divides it exactly
    assert format_duration(delta) == expected


def test_parse_of_format_gives_back_the_same_duration_for_whole_seconds() -> None:
    # Given many whole-second durations, from seconds to years (seeded, so the run is repeatable)
    rng = random.Random(20250106)
    samples = [timedelta(seconds=rng.randrange(0, 10 * 365 * 86400)) for _ in range(500)]
    samples += [timedelta(**{unit: rng.randrange(1, 1000)}) for unit in ("minutes", "hours", "days", "weeks")]
    # When each is formatted and parsed back / Then nothing is lost
    for delta in samples:
        assert parse_duration(format_duration(delta)) == delta, format_duration(delta)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("48h", "2d"), ("120m", "2h"), ("14d", "2w"), ("3600s", "1h"), ("90m", "90m"), (" 7 d", "1w")],
)
def test_equivalent_spellings_format_to_one_canonical_form(written: str, canonical: str) -> None:
    # Given two ways of writing the same wait / When parsed then formatted / Then both read the same
    assert format_duration(parse_duration(written)) == canonical


@pytest.mark.parametrize("text", ["1000000000d", "99999999999999999999s"])
def test_parse_rejects_an_amount_too_large_for_a_duration_with_value_error(text: str) -> None:
    # Given a well-formed duration whose amount no timedelta can hold
    # When parsed / Then it is rejected like any other bad duration (ValueError, which pydantic reports as 422)
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
