"""The deliverability check: the message the sender would send for a step, scored by a spam checker (spamd)."""

from dataclasses import dataclass, replace
from datetime import datetime

from aws_lambda_powertools import Logger

from emailseq.domain.deliverability import SpamCheckUnavailable, SpamReport
from emailseq.domain.ports import Contact, SpamChecker
from emailseq.domain.steps import EmailStep
from emailseq.domain.tenant import TenantSettings
from emailseq.rendering.compose import Tracking, compose
from emailseq.rendering.message import build_mime
from emailseq.rendering.tracking import LinkSigner, TrackedSend

logger = Logger(child=True)

# The checked copy's tracking tokens have the real shape and length but are signed with a throwaway key: the
# message is only scored, never delivered, and the API function does not hold the signing secret.
_PREVIEW_KEY = "preview-only-not-a-secret"


@dataclass(frozen=True)
class Outbound:
    """What the sender adds to a composed email: the deployment's default From, the tracking base URL, the
    mailto: half of List-Unsubscribe."""

    sender: str
    public_url: str
    unsubscribe_mailto: str


@dataclass(frozen=True)
class Deliverability:
    report: SpamReport | None
    reason: str | None = None  # why there is no report


def outgoing_message(
    step: EmailStep,
    contact: Contact,
    sequence_id: str,
    tenant: TenantSettings,
    outbound: Outbound,
    now: datetime,
    tenant_id: str,
) -> bytes:
    send = TrackedSend(tenant_id, contact.contact_id, sequence_id, 1, step.id)
    tracking = Tracking(LinkSigner(_PREVIEW_KEY, outbound.public_url), send, outbound.unsubscribe_mailto)
    email = replace(
        compose(step, contact, tracking),
        from_name=tenant.from_name,
        from_address=tenant.from_address,
        reply_to=tenant.reply_to,
    )
    return build_mime(email, outbound.sender, now)


def check_message(checker: SpamChecker, message: bytes) -> Deliverability:
    try:
        return Deliverability(checker.check(message))
    except SpamCheckUnavailable as error:
        logger.warning("spam check unavailable", extra={"reason": str(error)})
        return Deliverability(None, str(error))
