"""Send-time optimisation: hierarchical Beta-Binomial hour estimates and `send_at: optimal` in the engine."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from builders import email, sequence, started, view
from emailseq.domain.ai.send_moment import HORIZON, optimal_moment
from emailseq.domain.ai.send_time import (
    DEFAULT_STRENGTH,
    HOURS_IN_WEEK,
    OpenHistogram,
    contact_estimate,
    fit_strength,
    hour_of_week,
)
from emailseq.domain.engine import ContactView, SendEmail, advance
from emailseq.domain.sequence import SendWindow
from fakes import T0

UTC_ZONE = ZoneInfo("UTC")
MONDAY_9 = 9  # T0 is Monday 09:00 UTC
WEDNESDAY_14 = 2 * 24 + 14


def _peaked(hour: int, rate: float = 0.5) -> tuple[float, ...]:
    return tuple(rate if h == hour else 0.01 for h in range(HOURS_IN_WEEK))


def test_hour_of_week_is_counted_in_the_contacts_own_timezone() -> None:
    assert hour_of_week(T0, UTC_ZONE) == MONDAY_9
    assert hour_of_week(T0, ZoneInfo("America/New_York")) == 4  # 04:00 on Monday in New York


def test_a_contact_with_little_history_looks_like_its_segment_and_one_with_much_like_itself() -> None:
    # Given a segment that opens on Wednesdays at 14:00, and a tenant with no preference
    tenant = OpenHistogram(1000, {h: 5 for h in range(HOURS_IN_WEEK)})
    segment = OpenHistogram(200, {WEDNESDAY_14: 80})
    levels = [(tenant, DEFAULT_STRENGTH), (segment, DEFAULT_STRENGTH)]
    # When a new contact (one send, no open) and a long-standing Monday-09:00 opener are estimated
    newcomer = contact_estimate(OpenHistogram(1, {}), levels)
    regular = contact_estimate(OpenHistogram(60, {MONDAY_9: 40}), levels)
    # Then the newcomer's best hour is its segment's and the regular's is its own
    assert newcomer.best_hours(1) == [WEDNESDAY_14]
    assert regular.best_hours(1) == [MONDAY_9]
    assert 0 < regular.rates[WEDNESDAY_14] < regular.rates[MONDAY_9]


def test_the_strength_of_the_prior_is_fitted_from_how_much_members_differ() -> None:
    alike = [OpenHistogram(50, {0: 10}) for _ in range(30)]
    apart = [OpenHistogram(50, {0: 45 if i % 2 else 1}) for i in range(30)]
    assert fit_strength(alike) > fit_strength(apart)
    assert fit_strength(alike[:3]) == DEFAULT_STRENGTH  # too few members to fit


def test_the_best_hour_is_chosen_inside_the_send_window() -> None:
    # Given a contact who opens most at 03:00 on Mondays but a window of weekdays 09:00-17:00, with 14:00 second
    rates = list(_peaked(3, 0.9))
    rates[WEDNESDAY_14] = 0.4
    window = SendWindow.model_validate({"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"})
    # When the best moment of the coming week is asked for
    moment = optimal_moment(tuple(rates), window, UTC_ZONE, T0, T0)
    # Then it is Wednesday 14:00, the best hour the window allows
    assert moment == T0 + timedelta(days=2, hours=5)


def test_the_search_ends_with_the_horizon() -> None:
    assert optimal_moment(_peaked(0), None, UTC_ZONE, T0, T0 + HORIZON) is None


def test_send_at_optimal_sleeps_until_the_best_hour_then_sends() -> None:
    # Given a step with send_at: optimal and a contact whose best hour is Wednesday 14:00
    step = {**email("welcome"), "send_at": "optimal"}
    doc = sequence(step)
    contact = ContactView("contact-1", "UTC", {}, send_hours=_peaked(WEDNESDAY_14))
    enrollment = started(doc)
    # When the engine reaches it on Monday 09:00, it sleeps until Wednesday 14:00, still at the step
    asleep = advance(enrollment, doc, contact, T0)
    wednesday = T0 + timedelta(days=2, hours=5)
    assert asleep.effect is None
    assert asleep.after.due_at == wednesday
    assert asleep.after.cursor == 0
    # And when it wakes there, the email goes out
    awake = advance(asleep.after, doc, contact, wednesday)
    assert isinstance(awake.effect, SendEmail)


def test_without_history_send_at_optimal_sends_as_a_plain_step() -> None:
    doc = sequence({**email("welcome"), "send_at": "optimal"})
    assert isinstance(advance(started(doc), doc, view(), T0).effect, SendEmail)
