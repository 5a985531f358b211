"""The token signing secret, read once per warm Lambda from Secrets Manager."""

from typing import Any


def read_secret(secretsmanager: Any, secret_id: str) -> str:
    return str(secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"])
