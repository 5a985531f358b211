"""Domain errors. The API edge maps each to a status code (see emailseq.api.errors)."""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """Input that breaks a rule: names the field and the reason, answered as 422."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(DomainError):
    """The object does not exist for this tenant (another tenant's objects are not found either)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} '{key}' not found")
        self.kind = kind
        self.key = key


class Conflict(DomainError):
    """A concurrent change won the race; the caller may retry."""


class ProviderError(Exception):
    """The mail provider refused or failed a send. Not a DomainError: no rule was broken, the outside world failed,
    and the API edge never sees it (sends happen in the worker)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ProviderTemporaryError(ProviderError):
    """A 4xx reply or a lost connection: the same message may go through later, so it is worth retrying."""


class ProviderPermanentError(ProviderError):
    """A 5xx reply or a refused configuration: sending the same message again would fail the same way."""


class SendThrottled(Exception):
    """No free slot in the tenant's (or the account's) send window this second: the send did not happen and is
    not marked sent; the order goes back to the queue for a second or two. Not a ProviderError: the provider was
    never asked."""


class RateLimited(DomainError):
    """Over a rate limit: answered 429 with Retry-After."""

    def __init__(self, what: str, limit: int, retry_after_seconds: int) -> None:
        super().__init__(f"{what}: over the limit of {limit} per second; retry after {retry_after_seconds} s")
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds


class NotConfigured(DomainError):
    """A feature this deployment has not been set up for (e.g. AI drafting without an OpenAI key): answered 409
    with what to configure, never a 500."""


class UpstreamFailed(Exception):
    """A service we depend on (the language model) failed or answered something unusable: answered 502."""
