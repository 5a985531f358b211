"""The last check before an email goes to the provider: is the account's 24-hour quota left, and is there a free
slot in this second's window, first the tenant's (when it set a lower rate than the account's), then the whole
account's?

It runs inside the once-only guard, right before the provider call: an order whose email already went out (a
redelivery) takes no slot, and a send turned away here leaves no trace, so the retried order sends it once.
"""

from datetime import datetime

from emailseq.domain.errors import ProviderTemporaryError, SendThrottled
from emailseq.domain.ports import SendQuotaSource, SendRateLimiter, TenantSettingsRepository
from emailseq.domain.rate import tenant_sends_per_second


def take_send_slot(
    limiter: SendRateLimiter,
    quota_source: SendQuotaSource,
    settings: TenantSettingsRepository | None,
    tenant_id: str,
    now: datetime,
) -> None:
    """Returns when the send may go now; raises SendThrottled (retry in a second or two) or, when the day's quota
    is used up, ProviderTemporaryError (the longer backoff: the quota frees as the 24-hour window rolls on)."""
    quota = quota_source.current()
    if quota.exhausted:
        raise ProviderTemporaryError("the account's 24-hour sending quota is used up; the send waits for it to free")
    second = int(now.timestamp())
    own_limit = settings.get(tenant_id).max_sends_per_second if settings is not None else None
    tenant_limit = tenant_sends_per_second(own_limit, quota)
    # A tenant allowed the account's whole rate needs no window of its own: the account's holds it to that rate
    # (one conditional write per email instead of two, for every tenant that sets no lower limit).
    if tenant_limit < quota.per_second and not limiter.reserve(tenant_id, second, tenant_limit):
        raise SendThrottled(f"tenant {tenant_id} is at its send rate this second")
    # The tenant's slot is spent even if the account's window is full: a wasted slot only slows, never doubles.
    if not limiter.reserve(None, second, quota.per_second):
        raise SendThrottled("the account is at its SES maximum send rate this second")
