"""Header injection through names and subjects, proven on the raw bytes the sender hands to SES.

Each email goes the sender's way: compose() (templated subject, tracking, unsubscribe headers), the tenant's
sender (from_tenant_sender) and SesMailSender.send, whose SendEmail request carries the MIME bytes; a recording
stand-in for the sesv2 client keeps them. "Clean" means: the header block holds exactly the headers the sender
writes, each once, every header line printable ASCII, and parsing it back finds no header an attacker named.
"""

from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from builders import TENANT, contact, email_step
from emailseq.dal.mail import SesMailSender
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import OutgoingEmail
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.effects import from_tenant_sender
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.opt_in import compose_opt_in
from emailseq.rendering.tracking import LinkSigner, TrackedSend
from fakes import FakeClock, FakeTenantSettings
from pydantic import ValidationError

# Everything Python (str.splitlines) or a mail program might take for the end of a line.
BREAKS = ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
INJECTED = "Bcc: victim@attacker.example"
SENDER_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]
TRACKED_HEADERS = [*SENDER_HEADERS, "List-Unsubscribe", "List-Unsubscribe-Post"]
TRACKING = Tracking(
    LinkSigner("s" * 64, "https://t.example.com"), TrackedSend(TENANT, "contact-1", "welcome", 1, "hello"), "u@x.io"
)


class RecordingSes:
    """The sesv2 client's send_email, keeping each raw message it is given."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.raw.append(request["Content"]["Raw"]["Data"])
        return {"MessageId": f"m-{len(self.raw)}"}


def sent_bytes(email: OutgoingEmail, settings: TenantSettings | None = None) -> bytes:
    ses = RecordingSes()
    tenants = FakeTenantSettings()
    if settings is not None:
        tenants.put(TENANT, settings)
    addressed = from_tenant_sender(tenants, replace(email, tenant_id=TENANT, contact_id="contact-1"))
    SesMailSender(ses, "News <news@example.com>", FakeClock()).send(addressed)
    return ses.raw[0]


def assert_clean(raw: bytes, expected: list[str]) -> EmailMessage:
    head = raw.split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    assert all(all(32 <= byte < 127 or byte in (9, 13) for byte in line) for line in lines), head
    names = [line.split(b":", 1)[0].decode() for line in lines if line[:1] not in (b" ", b"\t")]
    assert sorted(names) == sorted(expected)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    assert sorted(message.keys()) == sorted(expected)
    return message


@pytest.mark.parametrize("brk", BREAKS, ids=[repr(b) for b in BREAKS])
@pytest.mark.parametrize("field", ["first_name", "last_name", "company"])
def test_a_line_break_in_contact_data_in_the_subject_stays_inside_one_subject_line(field: str, brk: str) -> None:
    # Given a subject templated from a contact field that carries a line break and a header
    someone = contact("Ada", company="Acme")
    someone = replace(someone, attributes={"company": f"Acme{brk}{INJECTED}"}) if field == "company" else someone
    someone = replace(someone, **{field: f"Ada{brk}{INJECTED}"}) if field != "company" else someone
    step = email_step("Welcome, {{ contact.%s }}!" % field, "<p>Hi</p>")  # noqa: UP031 - Jinja braces
    # When the sender sends it
    raw = sent_bytes(compose(step, someone, TRACKING))
    # Then the bytes hold only the sender's headers, and the injected text is part of the one Subject
    message = assert_clean(raw, TRACKED_HEADERS)
    assert message["Subject"].strip() == f"Welcome, {'Ada' if field != 'company' else 'Acme'} {INJECTED}!"
    assert message["To"] == "ada@example.com"  # the To header never carries the contact's name


@pytest.mark.parametrize("brk", [*BREAKS, "\x00", "\x07"], ids=[repr(b) for b in [*BREAKS, "\x00", "\x07"]])
def test_a_sender_name_with_a_line_break_or_control_character_is_refused_in_the_settings(brk: str) -> None:
    with pytest.raises(ValidationError, match="from_name"):
        TenantSettings(from_name=f"Shop{brk}{INJECTED}")


@pytest.mark.parametrize("field", ["from_address", "reply_to"])
def test_a_sender_or_reply_to_address_with_a_line_break_is_refused_in_the_settings(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        TenantSettings.model_validate({field: f"shop@example.com\r\n{INJECTED}"})


def test_the_tenants_sender_name_and_reply_to_reach_the_bytes_as_single_headers() -> None:
    # Given a tenant with its own sender name (non-ASCII, with a colon) and reply-to
    settings = TenantSettings(from_name="Ünïcorn Shop: News", from_address="shop@example.com", reply_to="r@example.com")
    # When an email goes out
    message = assert_clean(sent_bytes(compose(email_step(), contact("Ada")), settings), [*SENDER_HEADERS, "Reply-To"])
    # Then From and Reply-To are the tenant's, each one header
    assert message["From"].addresses[0].display_name == "Ünïcorn Shop: News"
    assert message["Reply-To"] == "r@example.com"


@pytest.mark.parametrize("brk", [*BREAKS, "\x00"], ids=[repr(b) for b in [*BREAKS, "\x00"]])
def test_a_stored_sender_name_with_a_break_that_predates_validation_is_flattened_not_sent_raw(brk: str) -> None:
    # Given an email whose sender name carries a break (settings written before the name was validated)
    email = replace(compose(email_step(), contact("Ada")), from_name=f"Shop{brk}{INJECTED}", from_address="s@ex.com")
    # When the sender builds and sends it (no tenant settings lookup)
    ses = RecordingSes()
    SesMailSender(ses, "news@example.com", FakeClock()).send(email)
    # Then the name is one line of text inside From
    message = assert_clean(ses.raw[0], SENDER_HEADERS)
    assert message["From"].addresses[0].display_name == f"Shop {INJECTED}"


@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r"])
def test_a_contact_address_with_a_line_break_is_refused_at_the_door(brk: str) -> None:
    with pytest.raises(ValidationError):
        ContactData(email=f"ada@example.com{brk}{INJECTED}")


@pytest.mark.parametrize("brk", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_list_name_with_a_line_break_stays_inside_the_opt_in_subject(brk: str) -> None:
    # Given a double opt-in list whose name carries a break and a header / When its confirmation is sent
    email = compose_opt_in(contact("Ada"), f"Deals{brk}{INJECTED}", "https://t.example.com/confirm/x")
    # Then the bytes are clean and the name is part of the one Subject
    message = assert_clean(sent_bytes(email), SENDER_HEADERS)
    # (a long Subject is folded after "Subject:"; the parser keeps that fold's space)
    assert message["Subject"].strip() == f"Please confirm your subscription to Deals {INJECTED}"
