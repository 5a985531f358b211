"""Secrets read once per warm Lambda from Secrets Manager: the signing keys, and the SMTP provider's settings."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def read_secret(secretsmanager: Any, secret_id: str) -> str:
    return str(secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"])


class SmtpSecret(BaseModel):
    """The JSON the SMTP secret holds (docs/providers.md). Validated at cold start: a missing field or a bad key
    stops the sender before its first send, with the field and the reason in the log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    tls: Literal["starttls", "none"] = "starttls"  # `none` only for a relay on a private network (or a test)
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    dkim_domain: Annotated[str, Field(min_length=1)]
    dkim_selector: Annotated[str, Field(min_length=1)]
    dkim_private_key: Annotated[str, Field(min_length=1, repr=False)]  # PEM, PKCS#8 (Ed25519) or PKCS#1/8 (RSA)
    dkim_algorithm: Literal["ed25519", "rsa"] = "ed25519"


def read_smtp_secret(secretsmanager: Any, secret_id: str) -> SmtpSecret:
    return SmtpSecret.model_validate_json(read_secret(secretsmanager, secret_id))
