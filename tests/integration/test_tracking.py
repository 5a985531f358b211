"""Flow 8: tracking. An email sent through the whole chain carries RFC 8058 one-click unsubscribe headers, signed
click redirects and an open pixel; the public tracking function answers those links and records what they mean."""

import base64
import json
import re
import string
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

NOT_YET = {"delivered": 0, "bounced": 0, "converted": 0}

TWO_DAYS_AND_A_MINUTE = str(2 * 24 * 3600 + 60)
START = "https://example.com/start"
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@dataclass(frozen=True)
class Welcomed:
    """Ada's welcome email as SES took it, and who she is."""

    message: EmailMessage
    contact_id: str
    ses_message_id: str


@pytest.fixture
def welcomed(stack, welcome_sequence):
    """The welcome sequence applied, Ada signed up through the API, and her welcome sent by the real chain."""
    assert stack.put_sequence(welcome_sequence).status == 200
    accepted = stack.post_event(
        {"id": "evt-ada", "type": "signed_up", "contact": {"email": "ada@example.com", "first_name": "Ada"}}
    )
    assert accepted.status == 202
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    (order,) = stack.deliver("SendQueue", stack.cold_start("sender"))
    (message,) = stack.sent_emails()
    (ses_message_id,) = stack.ses_message_ids()
    return Welcomed(message, json.loads(order["Body"])["contact_id"], ses_message_id)


def _unsubscribe_targets(message):
    """The two targets of List-Unsubscribe (RFC 2369: comma-separated <...>)."""
    return re.findall(r"<([^>]+)>", message["List-Unsubscribe"])


def _token(url):
    return url.rsplit("/", 1)[1]


def _claims(url):
    """What a tracking token says about the send (its payload is readable; only the signature protects it)."""
    payload = _token(url).split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _step_stats(stack, step_id="welcome"):
    return stack.item("TENANT#t1#SEQ#welcome", f"STATS#STEP#{step_id}") or {}


def test_the_sent_email_has_both_parts_one_click_unsubscribe_and_signed_tracking_links(stack, welcomed):
    # Given Ada's welcome email, sent through API → bus → enroller → send queue → sender → SES
    # When it is read back as SES took it
    message = welcomed.message

    # Then it has a plain-text and an HTML part
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Hi Ada!" in message.get_body(("html",)).get_content()
    # And List-Unsubscribe offers an https one-click link on the public tracking route and a mailto: fallback to
    # serverless.yml's unsubscribeMailto, and List-Unsubscribe-Post makes the link one-click (RFC 8058)
    https, mailto = _unsubscribe_targets(message)
    assert https.startswith(f"{stack.public_url}/t/u/")
    assert mailto.startswith("mailto:unsubscribe@example.com?subject=unsubscribe%20")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # And the one link of the HTML is rewritten to a signed redirect to the original URL, for Ada's welcome step
    (link,) = stack.links(message)
    assert link.startswith(f"{stack.public_url}/t/c/")
    assert START not in message.get_body(("html",)).get_content()
    claims = _claims(link)
    assert claims == {
        "k": "c",
        "tenant": "t1",
        "contact": welcomed.contact_id,
        "sequence": "welcome",
        "generation": 1,
        "step": "welcome",
        "u": START,
    }
    # And the plain-text part's link goes through the same kind of redirect, to the same URL
    (text_link,) = re.findall(r"\((https://[^)\s]+)\)", message.get_body(("plain",)).get_content())
    assert text_link.startswith(f"{stack.public_url}/t/c/")
    assert _claims(text_link)["u"] == START
    # And there is an open pixel for the same send; no token names the contact's address
    assert _claims(stack.pixel(message))["k"] == "o"
    for url in (link, text_link, https, stack.pixel(message)):
        assert "ada@example.com" not in json.dumps(_claims(url))
    # And the message is archived in S3 under messages/<tenant>/<SES message id>.eml exactly as it was sent
    archived = stack.archived("t1")
    assert list(archived) == [welcomed.ses_message_id]
    kept = archived[welcomed.ses_message_id]
    assert kept["Message-ID"] == message["Message-ID"]
    assert kept.as_bytes() == message.as_bytes()


def test_a_click_redirects_to_the_original_url_and_is_recorded_once(stack, welcomed):
    # Given the signed click link of Ada's welcome email
    (link,) = stack.links(welcomed.message)

    # When Ada clicks the link (twice)
    first = stack.follow(link)
    again = stack.follow(link)

    # Then each answer is a 302 to the original URL, never cached
    for response in (first, again):
        assert response.status == 302
        assert response.headers["location"] == START
        assert "no-store" in response.headers["cache-control"]
    # And the enrollment records the click (and the open it implies) once, counted once for the welcome step
    enrollment = stack.enrollment_item(welcomed.contact_id, "welcome")
    assert (enrollment["facts_clicked"], enrollment["facts_opened"]) == ({"welcome"}, {"welcome"})
    stats = _step_stats(stack)
    assert (stats["sent"], stats["clicked"], stats["opened"]) == (1, 1, 1)


def test_the_report_shows_the_click_and_the_open_for_that_step(stack, welcomed):
    # Given Ada's welcome email, sent
    # When Ada opens the welcome email (the pixel loads) and clicks its link
    assert stack.follow(stack.pixel(welcomed.message)).status == 200
    assert stack.follow(stack.links(welcomed.message)[0]).status == 302

    # Then the report counts one open and one click for the welcome step, nothing for the follow-up
    report = stack.report("welcome")
    assert report["steps"] == [
        {"id": "welcome", "sent": 1, "opened": 1, "clicked": 1, "unsubscribed": 0, "machine_opened": 0, **NOT_YET},
        {"id": "follow-up", "sent": 0, "opened": 0, "clicked": 0, "unsubscribed": 0, "machine_opened": 0, **NOT_YET},
    ]


def _one_character_changed(token, position, replacement):
    assert token[position] != replacement
    return token[:position] + replacement + token[position + 1 :]


def test_a_click_token_with_any_one_character_changed_is_refused_never_redirected(stack, welcomed):
    # Given the signed click link of Ada's welcome email
    (link,) = stack.links(welcomed.message)
    base, token = link.rsplit("/", 1)

    # When, for every position of the token, a copy with that one character changed is requested (a character of
    # the base64url alphabet half the alphabet away, so the decoded bytes always differ; '.' becomes a letter)
    answers = []
    for position, character in enumerate(token):
        replacement = "A" if character == "." else B64URL[(B64URL.index(character) + 32) % 64]
        answers.append(stack.follow(f"{base}/{_one_character_changed(token, position, replacement)}"))

    # Then every one is a 4xx page without a Location, and no click is recorded
    assert {response.status for response in answers} == {404}
    assert all("location" not in response.headers for response in answers)
    assert "facts_clicked" not in stack.enrollment_item(welcomed.contact_id, "welcome")
    # And the tokens of the email's other links are refused on the click route (they are not click tokens)
    for other in (stack.pixel(welcomed.message), _unsubscribe_targets(welcomed.message)[0]):
        refused = stack.follow(f"{base}/{_token(other)}")
        assert refused.status == 404
        assert "location" not in refused.headers


def test_a_click_token_with_its_last_signature_character_changed_is_refused(stack, welcomed):
    # Given the signed click link of Ada's welcome email
    (link,) = stack.links(welcomed.message)
    base, token = link.rsplit("/", 1)

    # When its last character is changed to each other character of the base64url alphabet
    answers = {
        replacement: stack.follow(f"{base}/{_one_character_changed(token, len(token) - 1, replacement)}").status
        for replacement in B64URL
        if replacement != token[-1]
    }

    # Then none of them redirects
    assert {status for status in answers.values()} == {404}, {r: s for r, s in answers.items() if s != 404}


def test_the_open_pixel_is_a_gif_and_counts_one_open_however_often_it_is_fetched(stack, welcomed):
    # Given the open pixel of Ada's welcome email
    pixel = stack.pixel(welcomed.message)

    # When the pixel is fetched twice (the mail client shows the email twice)
    fetched = [stack.follow(pixel), stack.follow(pixel)]

    # Then each answer is an uncached 1x1 GIF
    for response in fetched:
        assert response.status == 200
        assert response.headers["content-type"] == "image/gif"
        assert response.body.startswith(b"GIF89a")
        assert response.body[6:10] == b"\x01\x00\x01\x00"  # 1 x 1
        assert "no-store" in response.headers["cache-control"]
    # And one open is recorded for the welcome step, and no click
    enrollment = stack.enrollment_item(welcomed.contact_id, "welcome")
    assert enrollment["facts_opened"] == {"welcome"}
    assert "facts_clicked" not in enrollment
    stats = _step_stats(stack)
    assert (stats["opened"], stats.get("clicked", 0)) == (1, 0)
    assert stack.report("welcome")["steps"][0] == {
        "id": "welcome",
        "sent": 1,
        "opened": 1,
        "clicked": 0,
        "unsubscribed": 0,
        "machine_opened": 0,
        **NOT_YET,  # the analytics fields: nothing delivered, bounced or converted here
    }


def test_the_unsubscribe_page_asks_first_and_the_one_click_post_unsubscribes_once(stack, welcomed):
    # Given the https unsubscribe link of Ada's welcome email's List-Unsubscribe
    https, _ = _unsubscribe_targets(welcomed.message)

    # When the unsubscribe link is opened in a browser (or fetched by a link scanner)
    page = stack.follow(https)

    # Then a page asks to confirm with a POST form, and nothing is unsubscribed by the GET
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<form method=post" in page.body
    assert "unsubscribed_at" not in stack.contact_item(welcomed.contact_id)

    # When the mailbox provider sends the RFC 8058 one-click POST (twice)
    posted = [stack.follow(https, "POST", "List-Unsubscribe=One-Click") for _ in range(2)]

    # Then both answer the confirmation page, the contact is unsubscribed, counted once against the welcome email
    assert [response.status for response in posted] == [200, 200]
    assert "You are unsubscribed" in posted[0].body
    assert stack.contact_item(welcomed.contact_id)["unsubscribed_at"]
    assert _step_stats(stack)["unsubscribed"] == 1
    report = stack.report("welcome")
    assert (report["unsubscribed"], report["steps"][0]["unsubscribed"]) == (1, 1)


def test_a_one_click_post_is_recorded_as_one_click(stack, welcomed):
    # Given the https unsubscribe link of Ada's welcome email's List-Unsubscribe
    https, _ = _unsubscribe_targets(welcomed.message)

    # When the mailbox provider sends the one-click POST as an HTTP API delivers it (form body, base64-encoded)
    assert stack.follow(https, "POST", "List-Unsubscribe=One-Click").status == 200

    # Then the unsubscribe is recorded as a one-click one
    assert stack.contact_item(welcomed.contact_id)["unsubscribe_source"] == "one-click"


def test_after_a_one_click_unsubscribe_the_next_due_email_is_not_sent_and_the_enrollment_exits(stack, welcomed):
    # Given Ada unsubscribed with the one-click POST of her welcome email
    https, _ = _unsubscribe_targets(welcomed.message)
    assert stack.follow(https, "POST", "List-Unsubscribe=One-Click").status == 200

    # When the follow-up falls due two days later and the scheduler and sender run
    later = {"EMAILSEQ_CLOCK_OFFSET_SECONDS": TWO_DAYS_AND_A_MINUTE}
    assert stack.cold_start("scheduler", **later).invoke(stack.scheduled_event()) == {"queued": 1}
    stack.deliver("SendQueue", stack.cold_start("sender", **later))

    # Then no follow-up went out, and the enrollment has exited (and is counted so)
    assert [m["Subject"] for m in stack.sent_emails()] == ["Welcome, Ada"]
    assert stack.enrollment_item(welcomed.contact_id, "welcome")["status"] == "exited"
    assert stack.report("welcome")["exited"] == 1


def _stored_request(stack, name, token):
    """A stored tracking request (tests/events) exactly as API Gateway delivers it, carrying `token`."""
    event = stack.load_event(name)
    placeholder = event["pathParameters"]["token"]
    event["rawPath"] = event["requestContext"]["http"]["path"] = event["rawPath"].replace(placeholder, token)
    event["pathParameters"]["token"] = token
    return event


def test_the_stored_click_request_redirects_and_the_stored_one_click_post_unsubscribes(stack, welcomed):
    # Given the stored GET /t/c/{token} and POST /t/u/{token} requests, carrying the tokens of Ada's welcome email
    (link,) = stack.links(welcomed.message)
    https, _ = _unsubscribe_targets(welcomed.message)
    click = _stored_request(stack, "apigw_http_v2_get_click.json", _token(link))
    one_click = _stored_request(stack, "apigw_http_v2_post_unsubscribe.json", _token(https))

    # When the tracking function handles them
    clicked = stack.call_api("tracking", click)
    unsubscribed = stack.call_api("tracking", one_click)

    # Then the click redirects to the original URL and the POST unsubscribes Ada
    assert (clicked.status, clicked.headers["location"]) == (302, START)
    assert unsubscribed.status == 200
    assert stack.contact_item(welcomed.contact_id)["unsubscribed_at"]
    # And the stored placeholders themselves are refused (they are not signed by this stack)
    for name in ("apigw_http_v2_get_click.json", "apigw_http_v2_post_unsubscribe.json"):
        assert stack.call_api("tracking", stack.load_event(name)).status == 404


def test_a_link_ending_a_sentence_in_the_text_part_redirects_to_the_url_without_the_full_stop(stack, welcome_sequence):
    # Given a welcome email whose written text part ends a sentence with a URL
    welcome_sequence["steps"][0]["email"]["text"] = (
        "Hi! Read https://example.com/start. Or reply, https://example.com/help, too."
    )
    assert stack.put_sequence(welcome_sequence).status == 200
    stack.post_event({"id": "evt-ada", "type": "signed_up", "contact": {"email": "ada@example.com"}})
    stack.deliver("EnrollQueue", stack.cold_start("enroller"))
    stack.deliver("SendQueue", stack.cold_start("sender"))
    (message,) = stack.sent_emails()

    # When Ada follows the links of the text part
    text = message.get_body(("plain",)).get_content()
    links = re.findall(rf"{re.escape(stack.public_url)}/t/c/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", text)
    targets = [stack.follow(link).headers.get("location") for link in links]

    # Then they lead to the URLs as written, without the sentence's punctuation
    assert targets == [START, "https://example.com/help"]


def test_behind_cloudfront_an_open_is_judged_by_the_readers_address_not_the_edges(stack, welcomed):
    # Given the open pixel fetched through the CloudFront distribution: the connection comes from an edge server,
    # and the reader (Apple's Mail Privacy Protection proxy, 17.0.0.0/8) is in CloudFront-Viewer-Address
    path = urlsplit(stack.pixel(welcomed.message)).path
    event = stack.http_event(
        "GET",
        path,
        route_key="GET /t/o/{token}",
        caller=None,
        path_parameters={"token": _token(path)},
        template="apigw_http_v2_get_click.json",
    )
    event["requestContext"]["http"]["sourceIp"] = "130.176.12.34"  # a CloudFront edge
    event["headers"]["cloudfront-viewer-address"] = "17.58.100.7:46532"

    # When the tracking function answers it
    answered = stack.call_api("tracking", event)

    # Then it is a machine open, not counted as opened
    assert answered.status == 200
    step = stack.report("welcome")["steps"][0]
    assert (step["opened"], step["machine_opened"]) == (0, 1)
