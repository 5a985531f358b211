"""boto3 clients, made once per warm Lambda. Endpoints come from the standard AWS_ENDPOINT_URL variables."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


@cache
def bulk_client(service: str) -> Any:
    """For bulk writes of items our own code built (imports): botocore's per-parameter validation, a fifth of
    the client-side cost of a 25-item BatchWriteItem, is skipped; the service still validates every request."""
    return boto3.client(service, config=_CONFIG.merge(Config(parameter_validation=False)))


def endpoint_client(service: str, endpoint_url: str) -> Any:
    """A client for a service addressed by its own URL (API Gateway's @connections endpoint of one API)."""
    return boto3.client(service, endpoint_url=endpoint_url, config=_CONFIG)
