"""Render one email step for one contact into an OutgoingEmail."""

from emailseq.domain.ports import Contact, OutgoingEmail
from emailseq.domain.sequence import EmailStep
from emailseq.rendering.templates import contact_context, render
from emailseq.rendering.text import html_to_text


def compose(step: EmailStep, contact: Contact) -> OutgoingEmail:
    context = contact_context(contact)
    # A subject is one header line: folding rendered whitespace also keeps CR/LF out of the headers.
    subject = " ".join(render(step.email.subject, context, html=False).split())
    html = render(step.email.html, context, html=True)
    text = render(step.email.text, context, html=False) if step.email.text else html_to_text(html)
    return OutgoingEmail(to=contact.email, subject=subject, html=html, text=text)
