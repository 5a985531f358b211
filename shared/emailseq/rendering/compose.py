"""Render one email step for one contact into an OutgoingEmail, with tracking and unsubscribe when configured."""

import re
from dataclasses import dataclass

from emailseq.domain.ports import Contact, OutgoingEmail
from emailseq.domain.sequence import EmailStep
from emailseq.rendering.recommend import Recommend, sample_recommend
from emailseq.rendering.templates import contact_context, html_source, render
from emailseq.rendering.text import html_to_text
from emailseq.rendering.tracking import Claim, LinkSigner, TrackedSend, instrument, unsubscribe_headers

# A URL ends before whitespace, brackets or quotes, and never on sentence punctuation ("see https://x.io.").
_URL = re.compile(r"https?://[^\s<>()\"']*[^\s<>()\"'.,;:!?]")


@dataclass(frozen=True)
class Tracking:
    signer: LinkSigner
    send: TrackedSend
    unsubscribe_mailto: str


def compose(
    step: EmailStep, contact: Contact, tracking: Tracking | None = None, recommend: Recommend = sample_recommend
) -> OutgoingEmail:
    """`recommend` is the template's recommend(collection, n): the sender passes the contact's; a preview shows
    the sample blocks."""
    context = {**contact_context(contact), "recommend": recommend}
    # A subject is one header line: folding rendered whitespace also keeps CR/LF out of the headers.
    subject = " ".join(render(step.email.subject, context, html=False).split())
    html = render(html_source(step.email), context, html=True)
    written_text = render(step.email.text, context, html=False) if step.email.text else None
    if tracking is None:
        return OutgoingEmail(contact.email, subject, html, written_text or html_to_text(html))
    tracked_html = instrument(html, tracking.send, tracking.signer)
    # Links in the text part go through the same signed redirects as the HTML's.
    text = instrument_text(written_text, tracking) if written_text else html_to_text(tracked_html)
    headers = unsubscribe_headers(tracking.send, tracking.signer, tracking.unsubscribe_mailto)
    return OutgoingEmail(contact.email, subject, tracked_html, text, headers)


def instrument_text(text: str, tracking: Tracking) -> str:
    return _URL.sub(lambda m: tracking.signer.url(Claim("c", tracking.send, m.group(0))), text)
