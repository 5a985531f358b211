"""The local outbox: what the emulator's SES accepted, oldest first, read back with the message archive.

The emulator keeps only subject and bodies of what SES accepted; the archive (S3, written by the sender for every
message) holds the raw MIME, so headers such as List-Unsubscribe and the Date the stack's clock gave are shown.
"""

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from emailseq_cli.local.aws import local_client
from emailseq_cli.local.stack import StackInfo


def delivered(info: StackInfo, to: str | None = None) -> list[dict[str, Any]]:
    response = httpx.get(f"{info.endpoint}/_ministack/ses/messages", timeout=10)
    response.raise_for_status()
    accounts: dict[str, list[dict[str, Any]]] = response.json().get("messages", {})
    accepted = [m for batch in accounts.values() for m in batch]
    wanted = to.lower() if to else None
    accepted = [m for m in accepted if wanted is None or wanted in (a.lower() for a in m.get("To", []))]
    s3 = local_client("s3", info.endpoint)
    archived = _archive(s3, info.bucket)

    def raw(message_id: str) -> bytes | None:
        key = archived.get(message_id)
        return s3.get_object(Bucket=info.bucket, Key=key)["Body"].read() if key else None

    messages = [_message(m, raw(str(m.get("MessageId")))) for m in accepted]
    return sorted(messages, key=lambda m: str(m["sent_at"]))


def _archive(s3: Any, bucket: str) -> dict[str, str]:
    """SES message id → archive key."""
    if not bucket:
        return {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="messages/")
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    return {key.rsplit("/", 1)[-1].removesuffix(".eml"): key for key in keys}


def _message(accepted: dict[str, Any], raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {
            "message_id": accepted.get("MessageId"),
            "to": ", ".join(accepted.get("To", [])),
            "subject": accepted.get("Subject"),
            "headers": {},
            "html": accepted.get("BodyHtml"),
            "text": accepted.get("BodyText"),
            "sent_at": str(accepted.get("Timestamp")),
        }
    parsed: EmailMessage = message_from_bytes(raw, policy=policy.default)
    html_part, text_part = parsed.get_body(("html",)), parsed.get_body(("plain",))
    return {
        "message_id": accepted.get("MessageId"),
        "to": str(parsed["To"]),
        "subject": str(parsed["Subject"]),
        "headers": {name: str(value) for name, value in parsed.items()},
        "html": html_part.get_content() if html_part else None,
        "text": text_part.get_content() if text_part else None,
        "sent_at": parsedate_to_datetime(str(parsed["Date"])).isoformat(),
        "multipart": parsed.get_content_type(),
    }
