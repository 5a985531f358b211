"""Double opt-in: a request records a pending consent and queues one confirmation email; the signed link confirms
it with when and from where; nothing is subscribed without the contact's own click."""

import re
from datetime import timedelta

import pytest
from builders import contact
from emailseq.logic.opt_in import ConfirmationPorts, OptInPorts, confirm_opt_in, request_opt_in, send_confirmation
from emailseq.rendering.tracking import BadToken, LinkSigner
from fakes import (
    TENANT,
    TRACKING_BASE,
    TRACKING_SECRET,
    FakeClock,
    FakeConsentStore,
    FakeContactRepository,
    FakeMailSender,
    FakeOnceOnly,
    FakeOrderQueue,
)

SIGNER = LinkSigner(TRACKING_SECRET, TRACKING_BASE)


class OptInWorld:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.consents = FakeConsentStore()
        self.queue = FakeOrderQueue()
        self.contacts = FakeContactRepository()
        self.mailer = FakeMailSender()
        self.once = FakeOnceOnly()
        self.ada = self.contacts.add(contact(first_name="Ada"))
        self.requests = OptInPorts(self.consents, self.queue, self.clock)
        self.confirmations = ConfirmationPorts(self.contacts, self.consents, self.mailer, self.once, SIGNER)

    def request(self, list_name: str = "Weekly news") -> None:
        request_opt_in(self.requests, TENANT, self.ada.contact_id, "news", list_name, source="api")

    def deliver(self) -> list[str | None]:
        orders, self.queue.orders = self.queue.orders, []
        return [send_confirmation(self.confirmations, order) for order in orders]

    def link(self, index: int = -1) -> str:
        """The confirmation token in the HTML of the `index`th email sent (the text part carries the same)."""
        sent = self.mailer.sent[index]
        (token,) = set(re.findall(r"/t/s/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)", sent.html))
        assert f"/t/s/{token}" in sent.text
        return token


@pytest.fixture
def world() -> OptInWorld:
    return OptInWorld()


def test_a_request_is_pending_and_sends_one_confirmation_email_with_a_signed_link(world):
    # Given Ada, who asked to join a double opt-in list
    world.request()

    # When the confirmation order is delivered
    (message_id,) = world.deliver()

    # Then the consent is pending, and one email went to Ada, naming the list and carrying a signed confirmation
    # link without her address
    pending = world.consents.get(TENANT, world.ada.contact_id, "news")
    assert message_id is not None
    assert pending is not None
    assert pending.status == "pending"
    (sent,) = world.mailer.sent
    assert sent.to == world.ada.email
    assert sent.subject == "Please confirm your subscription to Weekly news"
    assert "Hi Ada," in sent.html
    assert f"{TRACKING_BASE}/t/s/" in sent.html
    claim = SIGNER.verify_opt_in(world.link())
    assert (claim.tenant, claim.contact, claim.list) == (TENANT, world.ada.contact_id, "news")
    assert world.ada.email not in world.link()


def test_a_redelivered_order_sends_nothing_more(world):
    # Given a request whose order is delivered, then delivered again
    world.request()
    (order,) = world.queue.orders
    first = send_confirmation(world.confirmations, order)
    again = send_confirmation(world.confirmations, order)

    # Then the second delivery returned the same message id and sent nothing
    assert first == again
    assert len(world.mailer.sent) == 1


def test_the_link_confirms_with_time_ip_and_user_agent_and_confirming_twice_changes_nothing(world):
    # Given the confirmation email
    world.request()
    world.deliver()
    claim = SIGNER.verify_opt_in(world.link())

    # When Ada follows the link an hour later, and again the next day
    world.clock.advance(hours=1)
    confirmed = confirm_opt_in(world.consents, world.clock, claim, "203.0.113.7", "Mozilla/5.0")
    world.clock.advance(days=1)
    again = confirm_opt_in(world.consents, world.clock, claim, "198.51.100.1", "curl")

    # Then the consent is confirmed with the first click's time and origin, and stays so
    assert confirmed is not None
    assert confirmed.is_confirmed
    assert (confirmed.confirmed_ip, confirmed.confirmed_user_agent) == ("203.0.113.7", "Mozilla/5.0")
    assert again == confirmed
    assert confirmed.confirmed_at == confirmed.requested_at + timedelta(hours=1)
    assert confirmed.source == "api"


def test_a_confirmed_contact_is_not_asked_again(world):
    # Given Ada confirmed
    world.request()
    world.deliver()
    confirm_opt_in(world.consents, world.clock, SIGNER.verify_opt_in(world.link()), None, None)

    # When she is added to the list again
    world.request()

    # Then no second confirmation is queued
    assert world.queue.orders == []
    assert len(world.mailer.sent) == 1


def test_a_newer_request_supersedes_the_older_email(world):
    # Given two requests an hour apart, both orders still queued
    world.request()
    world.clock.advance(hours=1)
    world.request()

    # When both orders are delivered
    results = world.deliver()

    # Then only the newer request's email is sent
    assert results[0] is None
    assert results[1] is not None
    assert len(world.mailer.sent) == 1


def test_nothing_is_sent_to_an_unsubscribed_or_erased_contact(world):
    # Given Ada requested, then unsubscribed from everything before the email went out
    world.request()
    world.contacts.unsubscribe(TENANT, world.ada.contact_id, world.clock.now(), "link")

    # Then the confirmation is not sent
    assert world.deliver() == [None]
    assert world.mailer.sent == []


def test_a_tracking_token_is_not_a_confirmation_token_and_a_changed_one_is_refused(world):
    # Given a confirmation link
    world.request()
    world.deliver()
    token = world.link()

    # Then one changed character, or a token of another kind, does not verify as a confirmation
    with pytest.raises(BadToken):
        SIGNER.verify_opt_in(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(BadToken):
        SIGNER.verify(token)  # a confirmation is never mistaken for a tracking claim


def test_list_names_are_escaped_not_rendered(world):
    # Given a list whose name carries markup and template syntax
    world.request(list_name="<b>News</b> {{ 7*7 }}")
    world.deliver()

    # Then the email shows the text, escaped, and nothing was evaluated
    html = world.mailer.sent[0].html
    assert "&lt;b&gt;News&lt;/b&gt; {{ 7*7 }}" in html
    assert "49" not in html
