"""The MIME message: multipart/alternative (text + HTML), a unique Message-ID, encoded non-ASCII headers."""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from emailseq.domain.ports import OutgoingEmail


def build_mime(email: OutgoingEmail, sender: str, sent_at: datetime) -> bytes:
    """`sender` is the deployment's default From (`addr` or `Name <addr>`); the tenant's own name and address win
    when set."""
    default_name, default_address = parseaddr(sender)
    from_address = email.from_address or default_address
    domain = from_address.rsplit("@", 1)[-1]
    message = EmailMessage()
    # Address objects encode a non-ASCII display name as RFC 2047 words and keep the address itself intact.
    message["From"] = Address(display_name=_one_line(email.from_name or default_name), addr_spec=from_address)
    message["To"] = Address(addr_spec=email.to)
    if email.reply_to:
        message["Reply-To"] = Address(addr_spec=email.reply_to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def _one_line(name: str) -> str:
    """A display name as one line of text: settings validate it, but a name stored before that must not split the
    header either (control characters and line separators become spaces, as in a subject)."""
    return " ".join("".join(char if char.isprintable() else " " for char in name).split())
