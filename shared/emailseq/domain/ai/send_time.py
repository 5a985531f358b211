"""Send-time optimisation: the hour of week a contact is most likely to open, shrunk toward its group's.

History is a compact histogram per contact: how many emails it was sent and, for each hour of the week (in its
own timezone), how many of them it first opened in that hour. For hour h, opens_h ~ Binomial(sends, p_h): the
estimate of p_h is a Beta-Binomial posterior mean whose prior is the group's estimate (segment, itself shrunk
toward the tenant's) with a strength fitted by empirical Bayes (method of moments over the group's contacts),
so a contact with three emails of history looks like its segment and one with fifty looks like itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, pvariance
from zoneinfo import ZoneInfo

HOURS_IN_WEEK = 168
MIN_STRENGTH, MAX_STRENGTH = 2.0, 500.0
DEFAULT_STRENGTH = 20.0  # pseudo-sends when a group has too few contacts to fit one


def hour_of_week(moment: datetime, zone: ZoneInfo) -> int:
    """0 = Monday 00:00-01:00 local time, 167 = Sunday 23:00-24:00."""
    local = moment.astimezone(zone)
    return local.weekday() * 24 + local.hour


@dataclass(frozen=True)
class OpenHistogram:
    """Emails sent, and first opens by local hour of week (sparse: hours never opened are left out)."""

    sends: int = 0
    opens: dict[int, int] = field(default_factory=dict)

    @property
    def total_opens(self) -> int:
        return sum(self.opens.values())

    def __add__(self, other: "OpenHistogram") -> "OpenHistogram":
        merged = dict(self.opens)
        for hour, count in other.opens.items():
            merged[hour] = merged.get(hour, 0) + count
        return OpenHistogram(self.sends + other.sends, merged)


@dataclass(frozen=True)
class HourEstimate:
    """p_h for every hour of the week and how many pseudo-sends that estimate is worth as a prior."""

    rates: tuple[float, ...]
    strength: float

    def best_hours(self, count: int = 1) -> list[int]:
        return sorted(range(HOURS_IN_WEEK), key=lambda h: (-self.rates[h], h))[:count]


def flat_estimate(strength: float = MIN_STRENGTH) -> HourEstimate:
    """Knowing nothing: every hour alike (a weak prior with an overall open rate of about 20 %)."""
    return HourEstimate(tuple([0.2 / HOURS_IN_WEEK] * HOURS_IN_WEEK), strength)


def shrink(history: OpenHistogram, prior: HourEstimate) -> tuple[float, ...]:
    """The Beta-Binomial posterior mean of each hour's open probability."""
    k = prior.strength
    return tuple((history.opens.get(h, 0) + k * prior.rates[h]) / (history.sends + k) for h in range(HOURS_IN_WEEK))


def fit_strength(members: Sequence[OpenHistogram]) -> float:
    """Empirical Bayes: how strongly the group's rate binds its members, from the spread of their open rates
    (method of moments for a Beta: var = m(1-m)/(k+1), less the binomial noise each member adds)."""
    observed = [m for m in members if m.sends > 0]
    if len(observed) < 10:
        return DEFAULT_STRENGTH
    rates = [m.total_opens / m.sends for m in observed]
    mean = fmean(rates)
    noise = fmean(mean * (1 - mean) / m.sends for m in observed)
    spread = pvariance(rates) - noise
    if spread <= 0 or not 0 < mean < 1:
        return MAX_STRENGTH
    return min(MAX_STRENGTH, max(MIN_STRENGTH, mean * (1 - mean) / spread - 1))


def contact_estimate(history: OpenHistogram, levels: Sequence[tuple[OpenHistogram, float]]) -> HourEstimate:
    """Down the hierarchy (tenant first, then segment), then the contact itself. Each level is its pooled
    history and the strength its members are bound with (fit_strength, or DEFAULT_STRENGTH when unknown)."""
    prior = flat_estimate()
    for pooled, strength in levels:
        prior = HourEstimate(shrink(pooled, prior), strength)
    return HourEstimate(shrink(history, prior), prior.strength)
