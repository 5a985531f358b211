"""Simulated audiences with known preferences, for measuring the AI layer (bench/send_time.py, bandit_regret.py,
churn_auc.py): the truth each model should find is drawn first, then the history the model is allowed to see.

Send times: each contact belongs to a segment with a typical active hour (weekday mornings, evenings, weekend
late mornings); its own peak is the segment's shifted by a few hours, or with probability `loners` anywhere in
the week. The chance it opens an email sent at hour h falls with the distance between h and its peak (a Gaussian
of width 2.5 h, over a floor); an opened email is opened within the next two hours. Churn: a contact has a
latent engagement level; a churner's level falls through the observed months, and it never opens after them.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from emailseq.domain.ai.score import EngagementProfile
from emailseq.domain.ai.send_time import HOURS_IN_WEEK, OpenHistogram

SEGMENT_PEAKS = {"commuters": 8, "evening": 20, "weekend": 5 * 24 + 11}
WEEK = HOURS_IN_WEEK


@dataclass(frozen=True)
class Person:
    segment: str
    peak: int  # hour of week
    reach: float  # open probability at the peak

    def open_chance(self, hour: int) -> float:
        gap = min((hour - self.peak) % WEEK, (self.peak - hour) % WEEK)
        day_gap = min(gap % 24, 24 - gap % 24) if self._weekdayish(hour) else gap
        return self.reach * (0.15 + 0.85 * math.exp(-(day_gap**2) / (2 * 2.5**2)))

    def _weekdayish(self, hour: int) -> bool:
        """Weekday people are alike on every weekday (Tuesday 08:00 is as good as Monday 08:00)."""
        return self.peak < 5 * 24 and hour < 5 * 24


def people(count: int, rng: random.Random, loners: float = 0.25) -> list[Person]:
    found = []
    for _ in range(count):
        segment = rng.choice(sorted(SEGMENT_PEAKS))
        peak = rng.randrange(WEEK) if rng.random() < loners else (SEGMENT_PEAKS[segment] + rng.randint(-2, 2)) % WEEK
        found.append(Person(segment, peak, rng.uniform(0.3, 0.7)))
    return found


def history(person: Person, sends: int, allowed: list[int], rng: random.Random) -> OpenHistogram:
    """Past emails sent at random allowed hours, and the hours (of week) they were first opened in."""
    opens: dict[int, int] = {}
    for _ in range(sends):
        sent = rng.choice(allowed)
        if rng.random() < person.open_chance(sent):
            hour = (sent + int(rng.expovariate(1.0))) % WEEK  # mostly within the hour, sometimes later
            opens[hour] = opens.get(hour, 0) + 1
    return OpenHistogram(sends, opens)


@dataclass(frozen=True)
class ChurnCase:
    profile: EngagementProfile  # what the product knows at the cutoff
    churned: int  # the truth: 1 when the contact never engages after the cutoff


def churn_cases(count: int, rng: random.Random, cutoff: datetime) -> list[ChurnCase]:
    """Four months of weekly emails before the cutoff. A churner's open chance decays towards the cutoff;
    the label is drawn from that trend (not copied from it), so the problem is learnable but not trivial."""
    cases = []
    for _ in range(count):
        level = rng.betavariate(2, 3)
        fading = rng.random() < 0.35
        sends, opens, clicks, last_open, last_click = 0, 0, 0, None, None
        for week in range(16):
            sent_at = cutoff - timedelta(weeks=16 - week)
            chance = level * (1 - week / 18 if fading else 1.0)
            sends += 1
            if rng.random() < chance:
                opens, last_open = opens + 1, sent_at + timedelta(hours=rng.uniform(0, 30))
                if rng.random() < 0.3:
                    clicks, last_click = clicks + 1, last_open
        churn_odds = (2.2 if fading else -1.2) - 2.5 * level + rng.gauss(0, 0.8)
        churned = int(rng.random() < 1 / (1 + math.exp(-churn_odds)))
        last_sent = cutoff - timedelta(weeks=1)
        cases.append(ChurnCase(EngagementProfile(sends, opens, clicks, last_sent, last_open, last_click), churned))
    return cases


CUTOFF = datetime(2026, 6, 1, tzinfo=UTC)
