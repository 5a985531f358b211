"""Inbound replies: the raw message read into what matters (who, which of our messages, the new text), and the
intents that act on their own: an unsubscribe request suppresses the contact; an out-of-office reply never does.

Intents are rules (explicit phrases and the auto-reply headers of RFC 3834), not the sentiment model: a request
to be removed must be honoured whatever its tone, and an auto-reply says what it is in its headers.
"""

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal

Sentiment = Literal["negative", "neutral", "positive"]

_UNSUBSCRIBE = re.compile(
    r"\b(unsubscribe|remove me|take me off|opt(?:-| )?(?:me )?out|stop (?:e-?mailing|sending|contacting|writing)"
    r"|no longer (?:wish|want) to (?:receive|get|hear)|(?:do not|don't|dont) (?:e-?mail|contact|write to) me"
    r"|delete my (?:address|email|data))\b",
    re.IGNORECASE,
)
_OUT_OF_OFFICE = re.compile(
    r"\b(out of (?:the )?office|automatic reply|auto-?reply|autoreply|on (?:annual |parental )?leave|on vacation"
    r"|away from (?:the |my )?(?:office|desk)|limited access to (?:my )?e-?mail|abwesenheit)\b",
    re.IGNORECASE,
)
# Where the quoted original starts (our own email, footer and unsubscribe link included): never classified.
_QUOTE_START = re.compile(r"^(On .+wrote:|-{2,} ?Original Message ?-{2,}|From: .+|Am .+schrieb .+:)\s*$", re.I)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class InboundReply:
    sender: str
    subject: str
    text: str  # the new text only: quoted lines and the quoted original cut off
    references: list[str]  # message ids it answers (In-Reply-To first, then References), without <>
    auto_submitted: bool  # RFC 3834 Auto-Submitted, or the vendor headers of auto-responders


@dataclass(frozen=True)
class ReplyReading:
    sentiment: Sentiment
    confidence: float
    unsubscribe: bool
    out_of_office: bool


def parse_reply(raw: bytes) -> InboundReply:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain", "html"))
    content = body.get_content() if body is not None else ""
    if body is not None and body.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    ids = _MESSAGE_ID.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}")
    auto = str(message.get("Auto-Submitted", "no")).strip().lower() != "no" or any(
        message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
    )
    return InboundReply(
        sender=parseaddr(str(message.get("From", "")))[1].lower(),
        subject=str(message.get("Subject", "")),
        text=new_text(content),
        references=list(dict.fromkeys(ids)),
        auto_submitted=auto or str(message.get("Precedence", "")).lower() == "auto_reply",
    )


def new_text(body: str) -> str:
    """The reply's own words: up to the quoted original, without `>` lines and signature."""
    kept = []
    for line in body.splitlines():
        if _QUOTE_START.match(line.strip()) or line.strip() == "--":
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def is_out_of_office(reply: InboundReply) -> bool:
    return reply.auto_submitted or bool(_OUT_OF_OFFICE.search(f"{reply.subject}\n{reply.text[:500]}"))


def asks_to_unsubscribe(reply: InboundReply) -> bool:
    """An explicit request in the reply's own words (the subject too: "Unsubscribe" as a subject is common)."""
    subject = re.sub(r"^\s*((re|aw|fwd?|sv)\s*:\s*)+", "", reply.subject, flags=re.IGNORECASE)
    return not is_out_of_office(reply) and bool(_UNSUBSCRIBE.search(f"{subject}\n{reply.text}"))
