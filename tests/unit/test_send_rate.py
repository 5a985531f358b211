"""The send rate: a tenant's per-second limit under the SES account's ceiling, checked right before each send; a
send over it does not happen, is not marked sent, and goes through when its order comes back."""

import pytest
from builders import contact_event, document
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.errors import ProviderTemporaryError, SendThrottled
from emailseq.domain.messages import EmailSent, SendStep
from emailseq.domain.rate import SendQuota, tenant_sends_per_second
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.enroll import handle_contact_event
from emailseq.logic.run_step import run_step
from fakes import TENANT, FakeSendQuota, FakeSendRateLimiter, FakeTenantSettings, World

# -- the rate decision ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenant_limit", "account_rate", "window"),
    [
        (None, 14.0, 14),  # no setting of its own: the account's rate
        (1, 14.0, 1),  # its own, lower
        (50, 14.0, 14),  # its own, higher: never above what SES allows the account
        (None, 1.0, 1),  # a sandbox account
        (None, 0.5, 1),  # a fractional rate still lets one send a second through
        (3, 2.9, 2),
    ],
)
def test_a_tenants_window_is_its_own_limit_capped_by_the_accounts_rate(tenant_limit, account_rate, window):
    assert tenant_sends_per_second(tenant_limit, SendQuota(max_send_rate=account_rate)) == window


@pytest.mark.parametrize(
    ("max_24h", "sent", "exhausted"),
    [(200.0, 199.0, False), (200.0, 200.0, True), (-1.0, 1e9, False), (None, 1e9, False)],
)
def test_the_24_hour_quota_is_used_up_only_when_sent_reaches_a_real_maximum(max_24h, sent, exhausted):
    assert SendQuota(14.0, max_24h, sent).exhausted is exhausted


# -- the sender, with fakes -----------------------------------------------------------------------------------------


@pytest.fixture
def rated() -> World:
    """A world whose tenant may send one email a second, on an account allowing 14."""
    world = World(tenant_settings=FakeTenantSettings(), limiter=FakeSendRateLimiter(), quota=FakeSendQuota())
    world.tenant_settings.put(TENANT, TenantSettings(max_sends_per_second=1))  # type: ignore[union-attr]
    world.given_sequence(document())
    return world


def _enroll(world: World, *names: str, tenant_id: str = TENANT) -> list[SendStep]:
    before = len(world.queue.orders)
    for name in names:
        event = contact_event(event_id=f"evt-{name}", address=f"{name}@example.com", tenant_id=tenant_id)
        handle_contact_event(world.enroll_ports(), event)
    world.delivered = len(world.queue.orders)  # the tests hand the orders to the worker themselves
    return world.queue.orders[before:]


def _enrollment(world: World, order: SendStep) -> Enrollment:
    found = world.enrollments.get(order.tenant_id, order.contact_id, order.sequence_id)
    assert found is not None
    return found


def test_a_send_over_the_tenants_rate_is_not_sent_nor_marked_and_goes_out_the_next_second(rated: World):
    # Given two contacts enrolled in the same second, at a rate of one send a second
    ada, grace = _enroll(rated, "ada", "grace")
    # When both orders are handled within that second
    assert [type(fact) for fact in run_step(rated.step_ports(), ada)] == [EmailSent]
    before = _enrollment(rated, grace)
    with pytest.raises(SendThrottled):
        run_step(rated.step_ports(), grace)
    # Then only ada's email went out; grace's enrollment did not move and nothing remembers a send for her
    assert [email.to for email in rated.mailer.sent] == ["ada@example.com"]
    assert _enrollment(rated, grace) == before
    assert len(rated.once.results) == 1
    assert [fact.contact_id for fact in rated.bus.facts if isinstance(fact, EmailSent)] == [ada.contact_id]
    # And when her order comes back a second later, her email goes out, once
    rated.clock.advance(seconds=1)
    assert [type(fact) for fact in run_step(rated.step_ports(), grace)] == [EmailSent]
    assert [email.to for email in rated.mailer.sent] == ["ada@example.com", "grace@example.com"]
    assert _enrollment(rated, grace).cursor != before.cursor


def test_the_accounts_rate_caps_all_tenants_together(rated: World):
    # Given an account SES lets send one email a second, and two tenants without limits of their own
    rated.quota = FakeSendQuota(SendQuota(max_send_rate=1.0))
    rated.tenant_settings = FakeTenantSettings()
    rated.given_sequence(document(), tenant_id="other")
    (first,) = _enroll(rated, "ada")
    (second,) = _enroll(rated, "grace", tenant_id="other")
    # When each tenant sends one email in the same second
    run_step(rated.step_ports(), first)
    with pytest.raises(SendThrottled):
        run_step(rated.step_ports(), second)
    # Then only the account's window was asked (neither tenant set a lower rate), and it had no room for the second
    assert [(tenant, taken) for tenant, _, _, taken in rated.limiter.asked] == [  # type: ignore[union-attr]
        (None, True),
        (None, False),
    ]
    assert len(rated.mailer.sent) == 1


def test_a_tenant_with_a_lower_rate_than_the_account_is_asked_first_and_then_the_account(rated: World):
    # Given a tenant limited to one send a second on an account allowing 14
    (order,) = _enroll(rated, "ada")
    # When its email goes out
    run_step(rated.step_ports(), order)
    # Then the tenant's window and then the account's each gave a slot
    assert [(tenant, limit, taken) for tenant, _, limit, taken in rated.limiter.asked] == [  # type: ignore[union-attr]
        (TENANT, 1, True),
        (None, 14, True),
    ]


def test_a_tenant_setting_above_the_account_rate_is_held_to_the_account_rate(rated: World):
    rated.tenant_settings.put(TENANT, TenantSettings(max_sends_per_second=500))  # type: ignore[union-attr]
    (order,) = _enroll(rated, "ada")
    run_step(rated.step_ports(), order)
    # Its own window would be the account's rate, so the account's window alone holds it (14 a second)
    assert [(tenant, limit) for tenant, _, limit, _ in rated.limiter.asked] == [(None, 14)]  # type: ignore[union-attr]


def test_a_used_up_daily_quota_holds_every_send_for_the_longer_backoff_without_taking_a_slot(rated: World):
    rated.quota = FakeSendQuota(SendQuota(max_send_rate=14.0, max_24_hour_send=200.0, sent_last_24_hours=200.0))
    (order,) = _enroll(rated, "ada")
    with pytest.raises(ProviderTemporaryError):
        run_step(rated.step_ports(), order)
    assert (rated.mailer.sent, rated.limiter.asked, rated.once.results) == ([], [], {})  # type: ignore[union-attr]


def test_a_redelivered_order_whose_email_already_went_out_takes_no_slot(rated: World):
    # Given ada's email sent, then the worker lost before it recorded the send (the order will come back)
    (order,) = _enroll(rated, "ada")
    rated.enrollments.break_next_replace(RuntimeError("container lost"))
    with pytest.raises(RuntimeError):
        run_step(rated.step_ports(), order)
    slots = list(rated.limiter.asked)  # type: ignore[union-attr]
    # When the order is redelivered in the same (full) second
    happened = run_step(rated.step_ports(), order)
    # Then it is not throttled: the once-only guard answers before the limiter is asked, and nothing is resent
    assert [type(fact) for fact in happened] == [EmailSent]
    assert rated.limiter.asked == slots  # type: ignore[union-attr]
    assert len(rated.mailer.sent) == 1
