"""Inbound replies: parsed to the reply's own words, matched to the contact by the message it answers, read for
sentiment and intents; an unsubscribe request suppresses (once, audited), an out-of-office reply never does."""

from email.message import EmailMessage

import pytest
from emailseq.domain.ports import Contact
from emailseq.domain.replies import asks_to_unsubscribe, is_out_of_office, new_text, parse_reply
from emailseq.logic.replies import ReplyPorts, handle_reply
from fakes import (
    T0,
    TENANT,
    FakeAuditTrail,
    FakeClock,
    FakeContactRepository,
    FakeMessageReferences,
    FakeReplyLog,
    FakeSentimentModel,
)

QUOTED = "On Mon, 6 Jan 2025 at 09:00, Acme <sequences@example.com> wrote:\n> Hi Ada!\n> Unsubscribe: https://x/t/u/abc"


def _raw(text: str, subject: str = "Re: Welcome", headers: dict[str, str] | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Ada <ADA@example.com>"
    message["To"] = "sequences@example.com"
    message["Subject"] = subject
    message["In-Reply-To"] = "<ses-1@email.amazonses.com>"
    message["References"] = "<ses-0@email.amazonses.com> <ses-1@email.amazonses.com>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(f"{text}\n\n{QUOTED}\n")
    return message.as_bytes()


@pytest.fixture
def ports() -> ReplyPorts:
    contacts = FakeContactRepository()
    contacts.add(Contact(tenant_id=TENANT, contact_id="c-ada", email="ada@example.com"))
    references = FakeMessageReferences()
    references.remember("ses-1", TENANT, "c-ada")
    return ReplyPorts(references, FakeSentimentModel("positive", 0.8), contacts, FakeReplyLog(), FakeClock(T0),
                      FakeAuditTrail())  # fmt: skip


def test_the_reply_is_parsed_to_its_own_words_and_the_ids_it_answers() -> None:
    reply = parse_reply(_raw("Thanks, this looks great!"))
    assert reply.sender == "ada@example.com"
    assert reply.text == "Thanks, this looks great!"  # the quoted original (with its unsubscribe link) is cut
    assert reply.references == ["ses-1@email.amazonses.com", "ses-0@email.amazonses.com"]


@pytest.mark.parametrize(
    "text",
    ["Please remove me from this list", "unsubscribe", "Stop emailing me.", "I no longer wish to receive these",
     "Don't contact me again", "Opt me out please"],
)  # fmt: skip
def test_unsubscribe_requests_are_recognised(text: str) -> None:
    assert asks_to_unsubscribe(parse_reply(_raw(text)))


@pytest.mark.parametrize("text", ["Thanks!", "How do I remove a user from my team?", "Can you send the invoice?"])
def test_ordinary_replies_are_not_unsubscribe_requests(text: str) -> None:
    # The quoted footer says "Unsubscribe", but only the reply's own words count
    assert not asks_to_unsubscribe(parse_reply(_raw(text)))


def test_an_auto_reply_is_out_of_office_by_header_or_wording_and_never_unsubscribes() -> None:
    by_header = parse_reply(
        _raw("Please remove me from the cc list of the project.", headers={"Auto-Submitted": "auto-replied"})
    )
    by_words = parse_reply(_raw("I am out of the office until Monday.", subject="Automatic reply: Welcome"))
    assert is_out_of_office(by_header)
    assert is_out_of_office(by_words)
    assert not asks_to_unsubscribe(by_header)


def test_new_text_stops_at_the_quote_and_the_signature() -> None:
    assert new_text("Sounds good.\n-- \nAda\n") == "Sounds good."


def test_an_unsubscribe_reply_suppresses_the_contact_once_and_is_audited(ports: ReplyPorts) -> None:
    # Given Ada's reply asking to be removed, to the message we sent her
    handled = handle_reply(ports, "r1", _raw("Please remove me from this list"))
    # Then she is suppressed with the source `reply`, the reading is kept, the audit log says why
    assert (handled.matched, handled.suppressed) == (True, True)
    assert ports.contacts.unsubscribes[(TENANT, "c-ada")] == (T0, "reply")  # type: ignore[attr-defined]
    (record,) = ports.replies.records  # type: ignore[attr-defined]
    assert record[:3] == (TENANT, "c-ada", "r1")
    assert record[3]["unsubscribe"] is True
    assert ports.audit.entries[0][2:4] == ("contact.suppressed", "c-ada")  # type: ignore[union-attr]
    # And the same reply again changes nothing more
    assert handle_reply(ports, "r1", _raw("Please remove me from this list")).suppressed is False


def test_a_positive_reply_is_read_and_suppresses_nothing(ports: ReplyPorts) -> None:
    handled = handle_reply(ports, "r2", _raw("Love it, thanks!"))
    assert handled.reading is not None
    assert (handled.reading.sentiment, handled.reading.unsubscribe, handled.suppressed) == ("positive", False, False)
    assert ports.model.read == ["Love it, thanks!"]  # type: ignore[attr-defined]


def test_an_out_of_office_reply_is_neutral_without_asking_the_model(ports: ReplyPorts) -> None:
    handled = handle_reply(ports, "r3", _raw("Out of office until 10 Jan."))
    assert handled.reading is not None
    assert (handled.reading.out_of_office, handled.reading.sentiment) == (True, "neutral")
    assert ports.model.read == []  # type: ignore[attr-defined]


def test_a_message_answering_nothing_we_sent_is_left_alone(ports: ReplyPorts) -> None:
    raw = _raw("unsubscribe").replace(b"ses-1@", b"other@").replace(b"ses-0@", b"other0@")
    assert handle_reply(ports, "r4", raw).matched is False
    assert ports.replies.records == []  # type: ignore[attr-defined]
