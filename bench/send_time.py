"""Send-time optimisation vs fixed-time sending, on a simulated audience whose true best hours are known.

Data: emailseq_cli.simulate.preferences (seed 11): 2,000 contacts in three segments, each with a true peak hour;
2-12 past emails each at random hours of the send window (every day 07:00-22:00 UTC) make the history the model
sees. The measured send is held out: a new email step reached on Monday 00:00, scheduled by the engine itself
(`advance` with `send_at: optimal`) from each estimate. For every method: the share of sends inside the contact's
true best hours (within 90 % of its best allowed open chance) and the open rate (expected from the true chances,
and drawn once).
"""

import random
import time
from datetime import UTC, datetime
from statistics import fmean
from zoneinfo import ZoneInfo

from emailseq.domain.ai.send_time import (
    DEFAULT_STRENGTH,
    HOURS_IN_WEEK,
    OpenHistogram,
    contact_estimate,
    fit_strength,
    hour_of_week,
)
from emailseq.domain.engine import ContactView, advance
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.sequence import SequenceDocument
from emailseq_cli.simulate.preferences import Person, history, people

MONDAY = datetime(2026, 6, 1, tzinfo=UTC)
FIXED_HOUR = 24 + 10  # the usual rule of thumb: Tuesday 10:00
DOCUMENT = SequenceDocument.model_validate(
    {
        "id": "sto",
        "name": "send time",
        "trigger": {"event": "signed_up"},
        "send_window": {"from": "07:00", "to": "22:00"},
        "steps": [{"id": "news", "send_at": "optimal", "email": {"subject": "News", "html": "<p>News</p>"}}],
    }
)
ALLOWED = [h for h in range(HOURS_IN_WEEK) if 7 <= h % 24 < 22]


def scheduled_hour(rates: tuple[float, ...] | None) -> int:
    """The hour of week the engine sends in, for a contact with these estimated rates."""
    enrollment = Enrollment.start("bench", "c", DOCUMENT, 1, MONDAY)
    transition = advance(enrollment, DOCUMENT, ContactView("c", "UTC", {}, send_hours=rates), MONDAY)
    moment = transition.after.due_at if transition.effect is None else MONDAY
    assert moment is not None
    return hour_of_week(moment, ZoneInfo("UTC"))


def best_hours(person: Person) -> set[int]:
    top = max(person.open_chance(h) for h in ALLOWED)
    return {h for h in ALLOWED if person.open_chance(h) >= 0.9 * top}


def main() -> None:
    rng = random.Random(11)
    audience = people(2000, rng)
    histories = [history(p, rng.randint(2, 12), ALLOWED, rng) for p in audience]
    tenant = sum(histories, OpenHistogram())
    segments = {
        s: [h for p, h in zip(audience, histories, strict=True) if p.segment == s]
        for s in {"commuters", "evening", "weekend"}
    }
    pooled = {s: sum(members, OpenHistogram()) for s, members in segments.items()}
    tenant_level = (tenant, fit_strength(histories))
    methods = {
        "fixed time (Tue 10:00)": lambda p, h: FIXED_HOUR,
        "STO, contact only (flat prior)": lambda p, h: scheduled_hour(contact_estimate(h, []).rates),
        "STO, contact <- tenant": lambda p, h: scheduled_hour(contact_estimate(h, [tenant_level]).rates),
        "STO, contact <- segment <- tenant": lambda p, h: scheduled_hour(
            contact_estimate(h, [tenant_level, (pooled[p.segment], fit_strength(segments[p.segment]))]).rates
        ),
    }
    print("send-time optimisation: simulated audience (emailseq_cli.simulate.preferences, seed 11),")
    print(f"  {len(audience):,} contacts, {tenant.sends:,} past emails, {tenant.total_opens:,} opens; held-out send")
    print(f"  fitted prior strengths: tenant {tenant_level[1]:.1f}, default {DEFAULT_STRENGTH:.0f}")
    draw = random.Random(12)
    baseline = None
    for name, choose in methods.items():
        started = time.perf_counter()
        hours = [choose(p, h) for p, h in zip(audience, histories, strict=True)]
        inside = fmean(hour in best_hours(p) for p, hour in zip(audience, hours, strict=True))
        expected = fmean(p.open_chance(hour) for p, hour in zip(audience, hours, strict=True))
        drawn = fmean(draw.random() < p.open_chance(hour) for p, hour in zip(audience, hours, strict=True))
        baseline = baseline or expected
        print(
            f"  {name:<36} in true best hours {inside:6.1%}  open rate {expected:6.1%} expected,"
            f" {drawn:6.1%} drawn  lift {expected / baseline - 1:+6.1%}  ({time.perf_counter() - started:.1f} s)"
        )


if __name__ == "__main__":
    main()
