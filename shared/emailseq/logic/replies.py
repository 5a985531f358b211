"""An inbound reply (SES receiving → S3 → the replies function): find whose reply it is, read its sentiment and
intents, keep the reading under the contact, and suppress a contact who asks to be removed (the same path a
complaint takes: nothing more is sent to it, from any sequence, and the audit log says why)."""

from dataclasses import asdict, dataclass

from emailseq.domain.ports import AuditTrail, Clock, ContactRepository, MessageReferences, ReplyLog, SentimentModel
from emailseq.domain.replies import (
    InboundReply,
    ReplyReading,
    Sentiment,
    asks_to_unsubscribe,
    is_out_of_office,
    parse_reply,
)


@dataclass(frozen=True)
class ReplyPorts:
    references: MessageReferences
    model: SentimentModel
    contacts: ContactRepository
    replies: ReplyLog
    clock: Clock
    audit: AuditTrail | None = None


@dataclass(frozen=True)
class HandledReply:
    matched: bool  # False: not a reply to anything we sent (nothing to act on)
    reading: ReplyReading | None = None
    suppressed: bool = False


def read_reply(model: SentimentModel, reply: InboundReply) -> ReplyReading:
    out_of_office = is_out_of_office(reply)
    sentiment: Sentiment = "neutral"
    confidence = 1.0
    if not out_of_office and reply.text:  # an auto-reply's wording says nothing about the contact's mood
        sentiment, confidence = model.sentiment(reply.text)
    return ReplyReading(
        sentiment=sentiment,
        confidence=round(confidence, 4),
        unsubscribe=asks_to_unsubscribe(reply),
        out_of_office=out_of_office,
    )


def handle_reply(ports: ReplyPorts, reply_id: str, raw: bytes) -> HandledReply:
    reply = parse_reply(raw)
    owner = ports.references.find(reply.references)
    if owner is None:
        return HandledReply(matched=False)
    tenant_id, contact_id = owner
    reading = read_reply(ports.model, reply)
    now = ports.clock.now()
    ports.replies.record(tenant_id, contact_id, reply_id, asdict(reading), now)
    suppressed = reading.unsubscribe and ports.contacts.unsubscribe(tenant_id, contact_id, now, "reply")
    if suppressed and ports.audit is not None:
        details = {"reason": "reply asked to unsubscribe", "reply": reply_id}
        ports.audit.record(tenant_id, "reply", "contact.suppressed", contact_id, details)
    return HandledReply(matched=True, reading=reading, suppressed=suppressed)
