"""Outgoing webhooks: the signature a receiver verifies (HMAC-SHA256 over timestamp + body, replay window), the
fan-out to the subscriptions that want an event, and a delivery's outcomes (delivered, retried, refused, skipped)."""

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from emailseq.domain.messages import EmailOpened, EmailSent
from emailseq.domain.tenant import TenantSettings
from emailseq.domain.webhooks import (
    REPLAY_WINDOW_SECONDS,
    SIGNATURE_HEADER,
    DeliveryFailed,
    TargetRefused,
    TargetUnreachable,
    sign,
    verify,
)
from emailseq.logic.webhooks import SubscriptionChange, WebhookPorts, change, deliver, fan_out, subscribe
from fakes import (
    T0,
    TENANT,
    FakeClock,
    FakeOrderQueue,
    FakeTenantSettings,
    FakeWebhookPoster,
    FakeWebhookStore,
)

BODY = b'{"id":"evt-1","type":"email.sent"}'
NOW = int(T0.timestamp())
SENT = EmailSent(
    tenant_id=TENANT, contact_id="c-1", sequence_id="onboarding", step_id="welcome", message_id="m-1", sent_at=T0
)


def _ports(poster: FakeWebhookPoster | None = None) -> WebhookPorts:
    return WebhookPorts(
        store=FakeWebhookStore(), clock=FakeClock(), queue=FakeOrderQueue(), poster=poster or FakeWebhookPoster()
    )


def test_a_signature_is_hmac_sha256_over_timestamp_dot_body():
    # Given the documented recipe, computed independently of the signing code
    expected = hmac.new(b"whsec_x", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    # Then the header carries the timestamp and that digest
    assert sign("whsec_x", NOW, BODY) == f"t={NOW},v1={expected}"


def test_a_genuine_delivery_verifies_within_the_replay_window():
    header = sign("whsec_x", NOW, BODY)
    assert verify("whsec_x", header, BODY, now=NOW)
    assert verify("whsec_x", header, BODY, now=NOW + REPLAY_WINDOW_SECONDS)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_other", BODY, NOW),  # signed with another secret
        ("whsec_x", BODY.replace(b"sent", b"open"), NOW),  # body changed on the way
        ("whsec_x", BODY, NOW + REPLAY_WINDOW_SECONDS + 1),  # replayed after the window
    ],
)
def test_a_forged_altered_or_replayed_delivery_does_not_verify(secret, body, now):
    assert not verify(secret, sign("whsec_x", NOW, BODY), body, now=now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=notanumber,v1=abc", f"t={NOW}"])
def test_a_malformed_signature_header_does_not_verify(header):
    assert not verify("whsec_x", header, BODY, now=NOW)


def test_events_fan_out_to_the_subscriptions_that_want_them():
    # Given three subscriptions: email.sent, everything ("*"), and email.opened only; and one of another tenant
    ports = _ports()
    sent = subscribe(ports, TENANT, "https://a.example/hook", ["email.sent"], "")
    everything = subscribe(ports, TENANT, "https://b.example/hook", ["*"], "")
    subscribe(ports, TENANT, "https://c.example/hook", ["email.opened"], "")
    subscribe(ports, "other-tenant", "https://d.example/hook", ["*"], "")

    # When an EmailSent is fanned out
    queued = fan_out(ports, "evt-1", SENT, T0)

    # Then one order goes to each of the first two, carrying the event id, type and data
    orders = ports.queue.orders  # type: ignore[union-attr]
    assert queued == 2
    assert {o.subscription_id for o in orders} == {sent.subscription_id, everything.subscription_id}
    assert {o.payload["id"] for o in orders} == {"evt-1"}
    assert orders[0].payload["type"] == "email.sent"
    assert orders[0].payload["data"]["message_id"] == "m-1"


def test_a_paused_subscription_gets_nothing():
    ports = _ports()
    found = subscribe(ports, TENANT, "https://a.example/hook", ["email.opened"], "")
    change(ports, TENANT, found.subscription_id, SubscriptionChange(enabled=False))
    opened = EmailOpened(tenant_id=TENANT, contact_id="c", sequence_id="s", step_id="w", opened_at=T0)
    assert fan_out(ports, "evt-2", opened, T0) == 0


def _order(ports: WebhookPorts):
    subscribe(ports, TENANT, "https://a.example/hook", ["email.sent"], "")
    fan_out(ports, "evt-1", SENT, T0)
    (order,) = ports.queue.orders  # type: ignore[union-attr]
    return order


def test_a_delivery_is_signed_with_the_subscriptions_secret_and_logged():
    # Given an order for a subscription, and a receiver answering 204
    poster = FakeWebhookPoster(204)
    ports = _ports(poster)
    order = _order(ports)
    secret = ports.store.get(TENANT, order.subscription_id).secret  # type: ignore[union-attr]

    # When it is delivered
    attempt = deliver(ports, order, attempt=1)

    # Then the receiver got the JSON body, with a signature that verifies with the secret, and the log says so
    ((url, body, headers),) = poster.posts
    assert url == "https://a.example/hook"
    assert json.loads(body)["id"] == "evt-1"
    assert verify(secret, headers[SIGNATURE_HEADER], body, now=NOW)
    assert headers["Emailseq-Event-Id"] == "evt-1"
    assert attempt is not None
    assert (attempt.outcome, attempt.status_code) == ("delivered", 204)
    assert [a.outcome for _, a in ports.store.logged] == ["delivered"]  # type: ignore[attr-defined]


def test_a_delivered_event_is_not_posted_again_when_its_order_comes_back():
    poster = FakeWebhookPoster(200)
    ports = _ports(poster)
    order = _order(ports)
    deliver(ports, order, attempt=1)
    assert deliver(ports, order, attempt=2) is None
    assert len(poster.posts) == 1


@pytest.mark.parametrize("answer", [500, 429, 404, TargetUnreachable("timed out")])
def test_a_failed_delivery_is_logged_and_raised_for_a_retry(answer):
    # Given a receiver that fails (an error status, or no answer)
    poster = FakeWebhookPoster(answer)
    ports = _ports(poster)
    order = _order(ports)

    # When the order is delivered, it raises so the worker backs off and retries; the attempt is in the log
    with pytest.raises(DeliveryFailed):
        deliver(ports, order, attempt=3)
    ((_, logged),) = ports.store.logged  # type: ignore[attr-defined]
    assert (logged.outcome, logged.attempt) == ("failed", 3)

    # And the next attempt, answered 200, delivers it
    ports.clock.advance(timedelta(seconds=120))  # type: ignore[attr-defined]
    assert deliver(ports, order, attempt=4).outcome == "delivered"  # type: ignore[union-attr]


def test_a_refused_target_is_logged_and_not_retried():
    ports = _ports(FakeWebhookPoster(TargetRefused("169.254.169.254 is link-local")))
    order = _order(ports)
    attempt = deliver(ports, order, attempt=1)
    assert attempt is not None
    assert attempt.outcome == "refused"
    assert "link-local" in (attempt.error or "")


def test_private_targets_are_allowed_only_for_a_tenant_whose_settings_allow_them():
    # Given a deployment that refuses private targets, and two tenants: only the first allows them for itself
    poster, settings = FakeWebhookPoster(), FakeTenantSettings()
    settings.put(TENANT, TenantSettings(allow_private_webhook_targets=True))
    ports = replace(_ports(poster), settings=settings)
    first = _order(ports)
    subscribe(ports, "t-other", "https://b.example/hook", ["email.sent"], "")
    fan_out(ports, "evt-2", SENT.model_copy(update={"tenant_id": "t-other"}), T0)
    second = ports.queue.orders[-1]  # type: ignore[union-attr]
    # When an order of each is delivered
    for order in [first, second]:
        deliver(ports, order, attempt=1)
    # Then only the first tenant's POST may reach a private address
    assert [url for url, _, _ in poster.posts] == ["https://a.example/hook", "https://b.example/hook"]
    assert poster.private_allowed == [True, False]


def test_an_order_for_a_deleted_subscription_is_dropped():
    poster = FakeWebhookPoster()
    ports = _ports(poster)
    order = _order(ports)
    ports.store.delete(TENANT, order.subscription_id)
    assert deliver(ports, order, attempt=1) is None
    assert poster.posts == []


def test_rotating_the_secret_changes_it():
    ports = _ports()
    found = subscribe(ports, TENANT, "https://a.example/hook", ["*"], "")
    rotated = change(ports, TENANT, found.subscription_id, SubscriptionChange(rotate_secret=True))
    assert rotated.secret != found.secret
    assert rotated.secret.startswith("whsec_")
