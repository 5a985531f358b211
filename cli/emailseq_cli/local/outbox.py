"""The local outbox: what the emulator's SES accepted, oldest first."""

from datetime import UTC, datetime
from typing import Any

import httpx

from emailseq_cli.local.stack import StackInfo


def delivered(info: StackInfo, to: str | None = None) -> list[dict[str, Any]]:
    response = httpx.get(f"{info.endpoint}/_ministack/ses/messages", timeout=10)
    response.raise_for_status()
    accounts: dict[str, list[dict[str, Any]]] = response.json().get("messages", {})
    messages = [m for batch in accounts.values() for m in batch]
    wanted = to.lower() if to else None
    out = [_message(m) for m in messages if wanted is None or wanted in (a.lower() for a in m.get("To", []))]
    return sorted(out, key=lambda m: str(m["sent_at"]))


def _message(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": raw.get("MessageId"),
        "from": raw.get("Source"),
        "to": ", ".join(raw.get("To", [])),
        "subject": raw.get("Subject"),
        # The emulator keeps the subject and both parts, not the raw MIME: headers beyond these are not stored.
        "headers": {"From": raw.get("Source"), "To": ", ".join(raw.get("To", [])), "Subject": raw.get("Subject")},
        "html": raw.get("BodyHtml"),
        "text": raw.get("BodyText"),
        "sent_at": datetime.fromtimestamp(float(raw.get("Timestamp", 0)), UTC).isoformat(),
    }
