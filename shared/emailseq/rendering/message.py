"""The MIME message: multipart/alternative (text + HTML), a unique Message-ID, encoded non-ASCII headers."""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from emailseq.domain.ports import OutgoingEmail


def build_mime(email: OutgoingEmail, sender: str, sent_at: datetime) -> bytes:
    domain = sender.rsplit("@", 1)[-1]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(addr_spec=email.to)
    message["Subject"] = email.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()
