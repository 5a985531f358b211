"""The double opt-in confirmation email: one button to a signed link, and nothing else to click."""

import html

from emailseq.domain.ports import Contact, OutgoingEmail
from emailseq.rendering.text import html_to_text


def compose_opt_in(contact: Contact, list_name: str, confirm_url: str) -> OutgoingEmail:
    # The list name is the tenant's text and the greeting the contact's: both escaped, neither run as a template.
    name = html.escape(list_name)
    greeting = f"Hi {html.escape(contact.first_name)}," if contact.first_name else "Hi,"
    link = html.escape(confirm_url, quote=True)
    body = (
        "<!doctype html><html><body style='font-family:sans-serif'>"
        f"<p>{greeting}</p><p>Please confirm that you want to receive emails from <strong>{name}</strong>.</p>"
        f'<p><a href="{link}" style=\'display:inline-block;padding:10px 18px;background:#1a73e8;color:#fff;'
        "text-decoration:none;border-radius:4px'>Confirm my subscription</a></p>"
        "<p>If you did not ask for this, ignore this email: you will not be subscribed.</p></body></html>"
    )
    subject = " ".join(f"Please confirm your subscription to {list_name}".split())
    return OutgoingEmail(
        to=contact.email,
        subject=subject,
        html=body,
        text=html_to_text(body),
        tenant_id=contact.tenant_id,
        contact_id=contact.contact_id,
    )
