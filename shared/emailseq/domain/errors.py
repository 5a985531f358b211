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
