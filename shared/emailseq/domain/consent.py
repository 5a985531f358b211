"""Consent to a list that asks for double opt-in: requested (pending) first, confirmed by the contact's click.

The record is the proof a regulator or a mailbox provider asks for: when it was asked for and where from, when
and from where it was confirmed. Pure data; the store keeps it under the contact (dal.consents).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

ConsentStatus = Literal["pending", "confirmed"]


@dataclass(frozen=True)
class Consent:
    tenant_id: str
    contact_id: str
    list_id: str
    status: ConsentStatus
    requested_at: datetime
    source: str  # where the request came from: "api", "import", "form", …
    confirmed_at: datetime | None = None
    confirmed_ip: str | None = None
    confirmed_user_agent: str | None = None

    @classmethod
    def requested(cls, tenant_id: str, contact_id: str, list_id: str, at: datetime, source: str) -> "Consent":
        return cls(tenant_id, contact_id, list_id, "pending", at, source)

    def confirmed(self, at: datetime, ip: str | None, user_agent: str | None) -> "Consent":
        return replace(self, status="confirmed", confirmed_at=at, confirmed_ip=ip, confirmed_user_agent=user_agent)

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"
