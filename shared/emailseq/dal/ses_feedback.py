"""SES bounce and complaint notifications (event publishing through a configuration set, or identity
notifications) read into the domain's terms. Sends carry hex-encoded tags naming the tenant and the contact."""

import json
from typing import Any

from emailseq.domain.messages import DeliveryFeedback


def encode_tag(value: str) -> str:
    # SES tag values allow only letters, digits, _ and -: hex keeps any tenant or contact id intact.
    return value.encode().hex()


def send_tags(tenant_id: str, contact_id: str) -> list[dict[str, str]]:
    return [{"Name": "tenant", "Value": encode_tag(tenant_id)}, {"Name": "contact", "Value": encode_tag(contact_id)}]


def read_feedback(sns_message: str) -> DeliveryFeedback | None:
    """The feedback an SNS message carries; None for kinds we do not act on (deliveries, opens)."""
    notice: dict[str, Any] = json.loads(sns_message)
    kind = notice.get("eventType") or notice.get("notificationType")
    tags = notice.get("mail", {}).get("tags", {})
    if kind not in ("Bounce", "Complaint") or "tenant" not in tags or "contact" not in tags:
        return None
    if kind == "Bounce":
        bounce_type = notice.get("bounce", {}).get("bounceType")
        kind = "hard_bounce" if bounce_type == "Permanent" else "soft_bounce"
    else:
        kind = "complaint"
    return DeliveryFeedback(
        kind=kind,
        tenant_id=bytes.fromhex(tags["tenant"][0]).decode(),
        contact_id=bytes.fromhex(tags["contact"][0]).decode(),
        message_id=str(notice.get("mail", {}).get("messageId", "")),
    )
