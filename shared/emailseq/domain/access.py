"""Who may do what: the roles a token or API key carries, and the caller the authorizer verified."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"  # everything an editor may, plus API keys and tenant settings
    EDITOR = "editor"  # reads and writes sequences, events, contacts and enrollments
    VIEWER = "viewer"  # reads only


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    role: Role
    subject: str
