"""Tracking: signed tokens (no PII, tamper-evident), link instrumentation, unsubscribe headers, and recording facts."""

import base64
import json
import re
import string
from datetime import timedelta

import pytest
from builders import contact, email, email_step, sequence, started
from emailseq.domain.enrollment import Enrollment
from emailseq.domain.opens import is_machine_open
from emailseq.logic.tracking import record_click, record_open, unsubscribe
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.tracking import BadToken, Claim, LinkSigner, TrackedSend, instrument, unsubscribe_headers
from fakes import T0, TENANT, TRACKING_BASE, TRACKING_SECRET, World

SIGNER = LinkSigner(TRACKING_SECRET, TRACKING_BASE + "/")
SEND = TrackedSend(tenant=TENANT, contact="contact-1", sequence="onboarding", generation=2, step="welcome")
CLICK = Claim("c", SEND, "https://example.com/pricing?plan=pro&ref=mail")
# Every character a mutation may put in: the base64url alphabet, its standard-alphabet twins, padding, junk.
REPLACEMENTS = string.ascii_letters + string.digits + "-_+/=.!~ é"


def _mutations(token: str, positions: range | None = None) -> list[tuple[int, str]]:
    """Every token with exactly one character replaced by another, with the position changed."""
    return [
        (i, token[:i] + r + token[i + 1 :])
        for i in (positions if positions is not None else range(len(token)))
        for r in REPLACEMENTS
        if r != token[i]
    ]


def _tokens(text: str, kind: str = "[ocu]") -> list[str]:
    """The tokens of every tracking URL of `kind` in a text."""
    return re.findall(re.escape(TRACKING_BASE) + f"/t/{kind}/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)", text)


def _payload(token: str) -> dict[str, object]:
    encoded = token.partition(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return decoded


# -- tokens ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", [Claim("o", SEND), CLICK, Claim("u", SEND)], ids=["open", "click", "unsubscribe"])
def test_a_token_verifies_back_to_its_claim(claim: Claim) -> None:
    # Given a claim signed into a token / When verified / Then it is the same claim
    assert SIGNER.verify(SIGNER.token(claim)) == claim


def test_the_url_form_puts_kind_and_token_under_the_base_url() -> None:
    url = SIGNER.url(CLICK)
    assert url == f"{TRACKING_BASE}/t/c/{SIGNER.token(CLICK)}"


def test_the_token_carries_ids_only_never_the_email_address_or_name() -> None:
    # Given a composed, tracked email to ada
    tracking = Tracking(SIGNER, SEND, "unsubscribe@example.com")
    composed = compose(email_step("Hi", '<p><a href="https://example.com/x">x</a></p>'), contact("Ada"), tracking)
    tokens = _tokens(composed.html) + _tokens(composed.headers["List-Unsubscribe"])
    assert len(tokens) == 3  # the click redirect, the pixel and the unsubscribe link
    for token in [*tokens, SIGNER.token(CLICK)]:
        payload = _payload(token)
        # Then its payload holds what was sent (ids), and nothing personal
        assert set(payload) <= {"k", "tenant", "contact", "sequence", "generation", "step", "u"}
        assert "ada@example.com" not in json.dumps(payload)
        assert "Ada" not in json.dumps(payload)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = LinkSigner("someone-elses-secret", TRACKING_BASE).token(CLICK)
    with pytest.raises(BadToken):
        SIGNER.verify(forged)


@pytest.mark.parametrize("junk", ["", ".", "abc", "a.b.c", "é.é", "x" * 500, "eyJrIjoiYyJ9"])
def test_junk_is_refused_as_a_bad_token(junk: str) -> None:
    with pytest.raises(BadToken):
        SIGNER.verify(junk)


def test_a_click_token_with_a_changed_url_is_refused() -> None:
    # Given a click token whose payload is re-encoded with another target (an open-redirect attempt)
    token = SIGNER.token(CLICK)
    body = {**_payload(token), "u": "https://evil.example.net/"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).rstrip(b"=").decode()
    # When verified with the original signature / Then it is refused
    with pytest.raises(BadToken):
        SIGNER.verify(forged_payload + "." + token.partition(".")[2])


def test_any_single_character_change_in_the_payload_is_refused() -> None:
    # Given a click token / When any one character of its payload (or the separator) is replaced
    token = SIGNER.token(CLICK)
    payload_end = token.index(".") + 1
    for position, mutated in _mutations(token, range(payload_end)):
        # Then verification fails
        with pytest.raises(BadToken):
            SIGNER.verify(mutated)
        assert position < payload_end


def test_no_single_character_change_yields_another_claim() -> None:
    # Given a click token / When any single character anywhere is replaced
    token = SIGNER.token(CLICK)
    for _, mutated in _mutations(token):
        try:
            claim = SIGNER.verify(mutated)
        except BadToken:
            continue
        # Then it never verifies as a different claim: no other target URL, step or contact can be forged
        assert claim == CLICK


def test_every_single_character_change_anywhere_is_refused() -> None:
    # Given a click token / When any one character at any position is replaced by any other
    token = SIGNER.token(CLICK)
    accepted = []
    for position, mutated in _mutations(token):
        try:
            SIGNER.verify(mutated)
        except BadToken:
            continue
        accepted.append((position, mutated[position]))
    # Then every one of them is refused (the edge answers 404, never a redirect or a recorded fact)
    assert accepted == []


# -- instrumenting the HTML ----------------------------------------------------------------------------------------


def test_instrument_rewrites_http_and_https_links_to_signed_redirects_and_keeps_the_target() -> None:
    # Given HTML with an https link (double quotes, an &amp;), an http link (single quotes) and a mailto link
    html = (
        '<html><body><p><a class="btn" href="https://example.com/a?x=1&amp;y=2">A</a> '
        "<a href='http://example.org/b'>B</a> "
        '<a href="mailto:help@example.com">mail us</a></p></body></html>'
    )
    # When instrumented
    out = instrument(html, SEND, SIGNER)
    # Then both web links point at click redirects whose claims hold the original (decoded) targets
    assert [SIGNER.verify(token).url for token in _tokens(out, "c")] == [
        "https://example.com/a?x=1&y=2",
        "http://example.org/b",
    ]
    assert "https://example.com/a" not in out.replace(TRACKING_BASE, "")
    # And the mailto link is left as it was, as is the rest of the markup
    assert '<a href="mailto:help@example.com">mail us</a>' in out
    assert '<a class="btn" href="' in out


def test_instrument_adds_one_open_pixel_before_the_closing_body_tag() -> None:
    out = instrument("<html><body><p>Hi</p></BODY></html>", SEND, SIGNER)
    # Then exactly one pixel, right before </BODY>, whose token is an open claim for this send
    assert out.count("<img ") == 1
    pixel = out[out.index("<img ") : out.index("</BODY>")]
    (token,) = _tokens(pixel, "o")
    assert SIGNER.verify(token) == Claim("o", SEND)
    assert 'width="1" height="1"' in pixel


def test_instrument_appends_the_pixel_to_html_without_a_body_tag() -> None:
    out = instrument("<p>Hi</p>", SEND, SIGNER)
    assert out.startswith("<p>Hi</p><img ")
    assert f"{TRACKING_BASE}/t/o/" in out


def test_unsubscribe_headers_follow_rfc_8058() -> None:
    # When the unsubscribe headers are made for a send
    headers = unsubscribe_headers(SEND, SIGNER, "unsubscribe@example.com")
    # Then there is an https one-click link and a mailto fallback, and the one-click POST marker
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_part, mailto_part = (part.strip() for part in headers["List-Unsubscribe"].split(","))
    assert https_part.startswith(f"<{TRACKING_BASE}/t/u/")
    assert https_part.endswith(">")
    assert SIGNER.verify(https_part[len(f"<{TRACKING_BASE}/t/u/") : -1]) == Claim("u", SEND)
    assert mailto_part.startswith("<mailto:unsubscribe@example.com?subject=unsubscribe%20")


def test_a_tracked_email_has_tracked_links_in_both_parts_and_the_unsubscribe_headers() -> None:
    # Given tracking configured / When the welcome-like step with a text part is composed
    tracking = Tracking(SIGNER, SEND, "unsubscribe@example.com")
    step = email_step("Hi", '<p><a href="https://example.com/start">Go</a></p>', text="Go: https://example.com/start")
    composed = compose(step, contact("Ada"), tracking)
    # Then the HTML and the text parts link through click redirects, the HTML has the pixel, and headers are set
    assert "https://example.com/start" not in composed.html
    assert composed.text.startswith(f"Go: {TRACKING_BASE}/t/c/")
    (token,) = _tokens(composed.text, "c")
    assert SIGNER.verify(token).url == "https://example.com/start"
    assert f"{TRACKING_BASE}/t/o/" in composed.html
    assert set(composed.headers) == {"List-Unsubscribe", "List-Unsubscribe-Post"}


# -- recording opens, clicks, unsubscribes ----------------------------------------------------------------------------


def _enrolled(world: World, generation: int = 2) -> Enrollment:
    doc = sequence(email("welcome"), email("tips"))
    world.given_sequence(doc)
    world.contacts.add(contact("Ada"))
    enrollment = started(doc, generation=generation)
    assert world.enrollments.create(enrollment)
    return enrollment


def test_an_open_is_recorded_and_counted_once(world: World) -> None:
    # Given ada enrolled (generation 2) / When the pixel of `welcome` loads twice
    enrollment = _enrolled(world)
    first = record_open(world.tracking_ports(), Claim("o", SEND))
    again = record_open(world.tracking_ports(), Claim("o", SEND))
    # Then it is an open fact of the enrollment, counted once against `welcome`
    assert (first, again) == (True, False)
    stored = world.enrollments.get(TENANT, "contact-1", "onboarding")
    assert stored is not None
    assert stored.facts.opened == {"welcome"}
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].opened == 1
    assert enrollment.generation == SEND.generation


def test_a_click_is_also_an_open_and_each_is_counted_once(world: World) -> None:
    # Given ada enrolled / When she clicks a link in `welcome` twice, then the pixel loads
    _enrolled(world)
    results = [record_click(world.tracking_ports(), CLICK) for _ in range(2)]
    late_open = record_open(world.tracking_ports(), Claim("o", SEND))
    # Then the first click counted, the second did not, and the open was already known from the click
    assert (results, late_open) == ([True, False], False)
    stored = world.enrollments.get(TENANT, "contact-1", "onboarding")
    assert stored is not None
    assert (stored.facts.opened, stored.facts.clicked) == ({"welcome"}, {"welcome"})
    counts = world.sequences.counts(TENANT, "onboarding").steps["welcome"]
    assert (counts.opened, counts.clicked) == (1, 1)


def test_an_open_of_another_generation_is_not_recorded(world: World) -> None:
    # Given ada's current enrollment is generation 3, and a pixel from an email of generation 2 loads
    _enrolled(world, generation=3)
    # Then nothing is recorded against the new enrollment
    assert record_open(world.tracking_ports(), Claim("o", SEND)) is False
    assert record_click(world.tracking_ports(), CLICK) is False
    assert world.enrollments.get(TENANT, "contact-1", "onboarding").facts.opened == frozenset()  # type: ignore[union-attr]
    assert world.sequences.counts(TENANT, "onboarding").steps == {}


def test_an_open_for_an_unknown_enrollment_records_nothing(world: World) -> None:
    assert record_open(world.tracking_ports(), Claim("o", SEND)) is False
    assert world.enrollments.rows == {}


def test_unsubscribe_marks_the_contact_and_counts_once_against_the_email(world: World) -> None:
    # Given ada enrolled / When she unsubscribes from `welcome`, then again (a second click on the link)
    _enrolled(world)
    world.clock.advance(hours=3)
    first = unsubscribe(world.tracking_ports(), Claim("u", SEND), source="one-click")
    again = unsubscribe(world.tracking_ports(), Claim("u", SEND), source="link")
    # Then she is unsubscribed (when and how is kept), and the unsubscribe is counted once against `welcome`
    assert (first, again) == (True, False)
    assert world.contacts.get(TENANT, "contact-1").unsubscribed  # type: ignore[union-attr]
    assert world.contacts.unsubscribes[(TENANT, "contact-1")] == (T0 + timedelta(hours=3), "one-click")
    assert world.sequences.counts(TENANT, "onboarding").steps["welcome"].unsubscribed == 1


def test_unsubscribe_from_an_old_generations_email_still_unsubscribes_but_counts_nothing(world: World) -> None:
    _enrolled(world, generation=5)
    assert unsubscribe(world.tracking_ports(), Claim("u", SEND), source="link") is True
    assert world.contacts.get(TENANT, "contact-1").unsubscribed  # type: ignore[union-attr]
    assert world.sequences.counts(TENANT, "onboarding").steps == {}


# -- machine opens ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "source_ip", "machine"),
    [
        ("Mozilla/5.0", "17.58.63.10", True),  # Apple Mail Privacy Protection prefetch
        ("Mozilla/5.0 (compatible; Barracuda Link Protection)", "203.0.113.9", True),
        ("Mimecast URL scanner", None, True),
        ("Mozilla/5.0 (Windows NT 10.0) GoogleImageProxy", "66.249.84.1", False),  # Gmail: a person opened it
        ("Mozilla/5.0 (iPhone)", "198.51.100.7", False),
        (None, "not-an-ip", False),
    ],
)
def test_privacy_proxies_and_scanners_are_machine_opens(user_agent, source_ip, machine) -> None:
    assert is_machine_open(user_agent, source_ip) is machine


def test_a_machine_open_is_counted_apart_and_does_not_count_as_opened(world: World) -> None:
    # Given ada enrolled / When Apple's privacy proxy fetches the pixel of `welcome`
    _enrolled(world)
    assert record_open(world.tracking_ports(), Claim("o", SEND), machine=True)
    # Then it is a machine open only: not `opened` for branches, counted apart
    stored = world.enrollments.get(TENANT, "contact-1", "onboarding")
    assert stored is not None
    assert stored.facts.opened == frozenset()
    counts = world.sequences.counts(TENANT, "onboarding").steps["welcome"]
    assert (counts.opened, counts.machine_opened) == (0, 1)


def test_a_first_human_open_and_a_first_click_are_published_once_as_domain_events(world: World) -> None:
    # Given ada enrolled / When the pixel loads twice, a machine fetches it, and she clicks twice
    _enrolled(world)
    for _ in range(2):
        record_open(world.tracking_ports(), Claim("o", SEND))
    record_open(world.tracking_ports(), Claim("o", SEND), machine=True)
    for _ in range(2):
        record_click(world.tracking_ports(), CLICK)
    # Then one human EmailOpened, one machine EmailOpened and one LinkClicked went on the bus (the live feed and
    # analytics read them; the feed leaves the machine open out)
    facts = [(type(fact).__name__, fact.step_id, getattr(fact, "machine", None)) for fact in world.bus.facts]
    assert facts == [
        ("EmailOpened", "welcome", False),
        ("EmailOpened", "welcome", True),
        ("LinkClicked", "welcome", None),
    ]
    clicked = world.bus.facts[-1]
    assert getattr(clicked, "url", None) == CLICK.url
