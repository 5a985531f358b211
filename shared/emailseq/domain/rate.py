"""The send rate: how many emails a tenant may hand the provider per second, never above what SES allows the
whole account (its SendQuota), and whether the account's 24-hour quota is used up."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SendQuota:
    """The account's sending limits as SES reports them (GetAccount → SendQuota)."""

    max_send_rate: float  # emails per second, for the whole account
    max_24_hour_send: float | None = None  # None or negative: no daily limit known
    sent_last_24_hours: float = 0.0

    @property
    def per_second(self) -> int:
        """The account's ceiling as whole sends per one-second window (SES rates are whole numbers, but a sandbox
        account's 1.0 must not round down to nothing)."""
        return max(1, int(self.max_send_rate))

    @property
    def exhausted(self) -> bool:
        limit = self.max_24_hour_send
        return limit is not None and limit >= 0 and self.sent_last_24_hours >= limit


def tenant_sends_per_second(tenant_limit: int | None, quota: SendQuota) -> int:
    """A tenant's window size: its own setting, else the account's rate; never above the account's rate."""
    return quota.per_second if tenant_limit is None else min(tenant_limit, quota.per_second)
