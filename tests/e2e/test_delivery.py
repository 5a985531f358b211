"""What every email carries, on the local stack: both parts, RFC 8058 headers, signed links (issue 4)."""

import re

import httpx

from tests.support.local_stack import LocalStack, cli, outbox

SEQUENCE = """
id: mail-{u}
name: Mail
trigger: {{event: hello.{u}}}
steps:
  - {{id: first, email: {{subject: "Grüße, {{{{ contact.first_name }}}}", html: "<p><a href='https://example.com/start?a=1'>Start</a></p>"}}}}
  - wait: 1d
  - {{id: second, email: {{subject: "Second", html: "<p>Again</p>"}}}}
"""


def test_an_email_has_both_parts_one_click_unsubscribe_and_signed_links(stack: LocalStack, unique, write_sequence):
    cli("sequences", "apply", str(write_sequence("mail", SEQUENCE.format(u=unique))))
    address = f"mail-{unique}@example.com"
    cli("events", "send", f"hello.{unique}", "--email", address, "--attr", "first_name=Zoë")
    (message,) = outbox(address)
    headers = message["headers"]

    # Then both parts and the RFC 8058 headers are there
    assert message["multipart"] == "multipart/alternative"
    assert message["subject"] == "Grüße, Zoë"
    assert message["text"].strip()
    assert re.search(r"<https?://[^>]+/t/u/[^>]+>, <mailto:[^>]+>", headers["List-Unsubscribe"])
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # And the link is a signed redirect, which answers 302 to the original URL and counts a click
    (redirect,) = re.findall(r"href=[\"']([^\"']+/t/c/[^\"']+)[\"']", message["html"])
    assert "example.com/start" not in redirect
    answer = httpx.get(redirect, follow_redirects=False, timeout=30)
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://example.com/start?a=1"
    report = stack.http("GET", f"/v1/sequences/mail-{unique}/report").json()
    assert report["steps"][0]["clicked"] == 1

    # A token with one character changed is refused, never redirected
    token = redirect.rsplit("/", 1)[1]
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    tampered = httpx.get(redirect.rsplit("/", 1)[0] + "/" + flipped, follow_redirects=False, timeout=30)
    assert 400 <= tampered.status_code < 500

    # When the contact unsubscribes with the one-click POST, the next step is not sent
    unsubscribe = re.search(r"<(https?://[^>]+/t/u/[^>]+)>", headers["List-Unsubscribe"])
    assert unsubscribe is not None
    posted = httpx.post(
        unsubscribe.group(1),
        content="List-Unsubscribe=One-Click",
        timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    cli("clock", "advance", "1d")
    assert [m["subject"] for m in outbox(address)] == ["Grüße, Zoë"]


def test_a_step_can_be_previewed_for_a_contact(stack: LocalStack, unique, write_sequence):
    cli("sequences", "apply", str(write_sequence("mail", SEQUENCE.format(u=unique))))
    address = f"preview-{unique}@example.com"
    cli("events", "send", f"other.{unique}", "--email", address, "--attr", "first_name=Ana")
    shown = cli("preview", f"mail-{unique}", "first", "--contact", address).stdout
    assert "Subject: Grüße, Ana" in shown
    assert "https://example.com/start?a=1" in shown
    assert outbox(address) == []  # a preview sends nothing
