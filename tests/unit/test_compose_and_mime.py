"""compose(): an email step and a contact into an OutgoingEmail; build_mime(): that email into RFC 5322 bytes."""

from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest
from builders import WELCOME_HTML, WELCOME_SUBJECT, contact, email_step
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import OutgoingEmail
from emailseq.rendering.compose import compose
from emailseq.rendering.message import build_mime
from emailseq.rendering.text import html_to_text
from fakes import T0

SENDER = "news@mail.example.com"

# -- compose ----------------------------------------------------------------------------------------------------------


def test_compose_addresses_the_contact_and_renders_every_part() -> None:
    # Given the welcome step and ada / When composed
    composed = compose(email_step(WELCOME_SUBJECT, WELCOME_HTML), contact("Ada"))
    # Then it goes to ada with her name in subject and body, and no extra headers
    assert composed.to == "ada@example.com"
    assert composed.subject == "Welcome, Ada"
    assert composed.html.startswith("<p>Hi Ada!</p>")
    assert composed.headers == {}


def test_default_fills_in_a_missing_first_name() -> None:
    # Given a contact without a first name / When the welcome step is composed
    composed = compose(email_step(WELCOME_SUBJECT, WELCOME_HTML), contact(None))
    # Then default('there') is used everywhere
    assert composed.subject == "Welcome, there"
    assert "<p>Hi there!</p>" in composed.html


@pytest.mark.parametrize(
    ("subject", "first_name", "expected"),
    [
        ("Hello\r\n{{ contact.first_name }}", "Ada", "Hello Ada"),
        ("Hi {{ contact.first_name }}", "Ada\r\nBcc: victim@example.com", "Hi Ada Bcc: victim@example.com"),
        ("  Hi\n\n\t{{ contact.first_name }}  ", "Ada\rX", "Hi Ada X"),
    ],
    ids=["in-the-template", "in-contact-data", "mixed-whitespace"],
)
def test_line_breaks_in_the_subject_are_folded_into_single_spaces(subject: str, first_name: str, expected: str) -> None:
    # Given a subject (template or contact data) carrying CR/LF / When composed
    composed = compose(email_step(subject), contact(first_name))
    # Then the subject is one header line: no CR or LF can start a new header
    assert composed.subject == expected
    assert "\r" not in composed.subject
    assert "\n" not in composed.subject


def test_contact_data_is_escaped_in_the_html_but_not_in_the_subject() -> None:
    # Given a contact whose name contains markup / When composed
    step = email_step("Hi {{ contact.first_name }}", "<p>Hi {{ contact.first_name }}</p>")
    composed = compose(step, contact("<script>alert(1)</script> & Co"))
    # Then the HTML part shows it as text, while the subject (a plain header) keeps it as typed
    assert composed.html == "<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</p>"
    assert "<script>" not in composed.html
    assert composed.subject == "Hi <script>alert(1)</script> & Co"


def test_without_a_text_template_the_text_part_is_derived_from_the_html_with_link_urls() -> None:
    # Given the welcome step, which has no text part / When composed for ada
    composed = compose(email_step(WELCOME_SUBJECT, WELCOME_HTML), contact("Ada"))
    # Then the text part is the HTML's text with each link's url after its text
    assert composed.text == "Hi Ada!\n\nGet started (https://example.com/start)\n"


def test_a_text_template_is_used_as_is_and_rendered_without_escaping() -> None:
    step = email_step("Hi", "<p>Hi {{ contact.first_name }}</p>", text="Hi {{ contact.first_name }} & welcome")
    composed = compose(step, contact("Ada <3"))
    assert composed.text == "Hi Ada <3 & welcome"
    assert composed.html == "<p>Hi Ada &lt;3</p>"


def test_custom_attributes_are_available_to_templates() -> None:
    composed = compose(email_step("Your {{ contact.plan }} plan"), contact("Ada", plan="pro"))
    assert composed.subject == "Your pro plan"


# -- html_to_text -----------------------------------------------------------------------------------------------------


def test_html_to_text_keeps_blocks_lists_and_entities_and_drops_styles_and_scripts() -> None:
    # Given an HTML body with paragraphs, a list, entities, a style and a script
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<h1>News</h1><p>Fish &amp; chips,\n   today</p><ul><li>one</li><li>two</li></ul>"
        "<script>track()</script><p>Read <a href='https://example.com/a?b=1&amp;c=2'>more</a>.</p></body></html>"
    )
    # When turned into text / Then it reads like the message, with the link's url decoded
    assert html_to_text(html) == (
        "News\n\nFish & chips, today\n\n- one\n\n- two\n\nRead more (https://example.com/a?b=1&c=2).\n"
    )


def test_html_to_text_leaves_a_link_without_href_as_its_text() -> None:
    assert html_to_text("<p><a name='top'>Top</a></p>") == "Top\n"


# -- build_mime -------------------------------------------------------------------------------------------------------


def _outgoing(**overrides: object) -> OutgoingEmail:
    fields: dict[str, object] = {
        "to": "ada@example.com",
        "subject": "Welcome, Ada",
        "html": "<p>Hi Ada</p>",
        "text": "Hi Ada\n",
    }
    fields.update(overrides)
    return OutgoingEmail(**fields)  # type: ignore[arg-type]


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def test_the_message_is_multipart_alternative_with_a_text_then_an_html_part() -> None:
    # Given an outgoing email / When built into MIME and parsed back
    message = _parse(build_mime(_outgoing(), SENDER, T0))
    # Then it is multipart/alternative: text/plain first, text/html last (the preferred one)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content() == "Hi Ada\n"
    assert parts[1].get_content().strip() == "<p>Hi Ada</p>"
    assert message.get_body(preferencelist=("html",)) is parts[1]


def test_the_message_carries_from_to_subject_and_date() -> None:
    message = _parse(build_mime(_outgoing(), SENDER, T0 + timedelta(hours=3)))
    assert (message["From"], message["To"], message["Subject"]) == (SENDER, "ada@example.com", "Welcome, Ada")
    assert parsedate_to_datetime(message["Date"]) == T0 + timedelta(hours=3)


def test_every_build_gets_a_unique_message_id_in_the_senders_domain() -> None:
    # Given the same email built twice at the same instant
    ids = [_parse(build_mime(_outgoing(), SENDER, T0))["Message-ID"] for _ in range(20)]
    # Then each Message-ID is distinct, and of the form <...@sender's domain>
    assert len(set(ids)) == len(ids)
    assert all(msg_id.startswith("<") and msg_id.endswith("@mail.example.com>") for msg_id in ids)


def test_a_non_ascii_subject_is_encoded_on_the_wire_and_decodes_back() -> None:
    # Given a subject with accents and an emoji / When built
    subject = "Grüße, Zoë — café ☕"
    raw = build_mime(_outgoing(subject=subject), SENDER, T0)
    # Then the raw header is 7-bit (an RFC 2047 encoded word) and parsing gives the subject back
    raw_subject = next(line for line in raw.split(b"\n") if line.startswith(b"Subject:"))
    assert raw_subject.isascii()
    assert b"=?utf-8?" in raw_subject
    assert _parse(raw)["Subject"] == subject


def test_non_ascii_bodies_survive_the_round_trip() -> None:
    message = _parse(build_mime(_outgoing(text="Grüße ☕\n", html="<p>Grüße ☕</p>"), SENDER, T0))
    text, html = message.iter_parts()
    assert text.get_content() == "Grüße ☕\n"
    assert html.get_content().strip() == "<p>Grüße ☕</p>"


def test_extra_headers_of_the_email_are_added() -> None:
    headers = {"List-Unsubscribe": "<https://example.com/u/123>", "X-Sequence": "onboarding"}
    message = _parse(build_mime(_outgoing(headers=headers), SENDER, T0))
    assert message["List-Unsubscribe"] == "<https://example.com/u/123>"
    assert message["X-Sequence"] == "onboarding"


def test_a_non_ascii_local_part_is_refused_for_a_contact() -> None:
    # An SMTPUTF8 address cannot be written in an ASCII header: refused at the door (422), not dead-lettered later
    with pytest.raises(ValueError, match="Internationalized characters"):
        ContactData(email="jörg@example.com")


@pytest.mark.parametrize("address", ["ada@exämple.com"], ids=["idn-domain"])
def test_an_address_accepted_for_a_contact_yields_a_deliverable_to_header(address: str) -> None:
    # Given an address the API accepts for a contact
    to = ContactData(email=address).email
    # When an email to it is built
    raw = build_mime(_outgoing(to=to), SENDER, T0)
    # Then the To header is plain ASCII without encoded words (e.g. the domain in IDNA `xn--` form)
    raw_to = next(line for line in raw.split(b"\n") if line.startswith(b"To:"))
    assert raw_to.isascii()
    assert b"=?" not in raw_to
