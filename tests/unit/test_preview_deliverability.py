"""The preview's deliverability check: the full message the sender would send goes to the spam checker; a missing
or failing checker leaves the preview intact and says why."""

from email import policy
from email.parser import BytesParser

import pytest
from builders import WELCOME_HTML, WELCOME_SUBJECT, contact, email, sequence
from emailseq.domain.deliverability import SpamReport, SpamRule
from emailseq.domain.errors import NotFound
from emailseq.domain.tenant import TenantSettings
from emailseq.logic.deliverability import Outbound
from emailseq.logic.preview import PreviewPorts, preview_and_check
from fakes import TENANT, FakeSpamChecker, FakeTenantSettings, World

OUTBOUND = Outbound("News <news@example.com>", "https://t.example.com", "unsubscribe@example.com")
SPAMMY = SpamReport(6.2, 5.0, True, (SpamRule("MISSING_DATE", 2.7, "Missing Date: header"),))


DOC = sequence(email("welcome", WELCOME_SUBJECT, WELCOME_HTML))


def _ports(checker: FakeSpamChecker | None, settings: FakeTenantSettings | None = None) -> PreviewPorts:
    world = World()
    world.given_sequence(DOC)
    world.contacts.add(contact("Ada"))
    return PreviewPorts(
        world.sequences, world.contacts, settings or FakeTenantSettings(), world.clock, checker, OUTBOUND
    )


def test_the_report_comes_back_with_the_preview() -> None:
    # Given a checker that finds the message spammy
    checker = FakeSpamChecker(SPAMMY)
    # When ada's welcome step is previewed
    shown = preview_and_check(_ports(checker), TENANT, DOC.id, "welcome", "ada@example.com")
    # Then the preview is the rendered email and carries the checker's report
    assert shown.email.subject == "Welcome, Ada"
    assert shown.deliverability.report == SPAMMY
    assert shown.deliverability.reason is None


def test_the_checked_message_is_the_full_mime_the_sender_would_send() -> None:
    # Given the tenant's own sender settings
    settings = FakeTenantSettings()
    settings.put(TENANT, TenantSettings(from_name="Acme", from_address="hello@acme.example"))
    checker = FakeSpamChecker()
    # When previewed
    preview_and_check(_ports(checker, settings), TENANT, DOC.id, "welcome", "ada@example.com")
    # Then the checker got one multipart/alternative message: tenant From, unsubscribe headers, tracked links
    (raw,) = checker.checked
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"] == "Acme <hello@acme.example>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Welcome, Ada"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:unsubscribe@example.com" in message["List-Unsubscribe"]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "https://t.example.com/t/c/" in html
    assert 'href="https://example.com/start"' not in html


def test_the_shown_preview_keeps_the_links_as_written() -> None:
    shown = preview_and_check(_ports(FakeSpamChecker()), TENANT, DOC.id, "welcome", "ada@example.com")
    assert 'href="https://example.com/start"' in shown.email.html


def test_no_checker_configured_still_previews_and_says_so() -> None:
    # Given a deployment without spamd / When previewed
    shown = preview_and_check(_ports(None), TENANT, DOC.id, "welcome", None)
    # Then the sample contact's email is shown, without a report, with the reason
    assert shown.email.to == "preview@example.com"
    assert shown.deliverability.report is None
    assert shown.deliverability.reason == "no spam checker is configured (spamd address)"


def test_an_unreachable_checker_still_previews_and_says_why() -> None:
    # Given spamd is down
    checker = FakeSpamChecker(unavailable="spamd at 127.0.0.1:7830 is unreachable (Connection refused)")
    # When previewed
    shown = preview_and_check(_ports(checker), TENANT, DOC.id, "welcome", "ada@example.com")
    # Then the email is there and the reason is spamd's
    assert shown.email.subject == "Welcome, Ada"
    assert shown.deliverability.report is None
    assert shown.deliverability.reason == "spamd at 127.0.0.1:7830 is unreachable (Connection refused)"


def test_the_check_can_be_left_out() -> None:
    checker = FakeSpamChecker()
    shown = preview_and_check(_ports(checker), TENANT, DOC.id, "welcome", None, check=False)
    assert checker.checked == []
    assert shown.deliverability.reason == "not requested (check=false)"


def test_an_unknown_step_is_not_found_before_anything_is_checked() -> None:
    checker = FakeSpamChecker()
    with pytest.raises(NotFound):
        preview_and_check(_ports(checker), TENANT, DOC.id, "nope", None)
    assert checker.checked == []
