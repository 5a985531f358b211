"""boto3 clients for the emulator (dummy credentials; nothing here can reach a real AWS account)."""

from typing import Any

import boto3

REGION = "us-east-1"
STACK_NAME = "emailseq-local"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION}


def local_client(service: str, endpoint_url: str) -> Any:
    keys = {name.lower(): value for name, value in CREDENTIALS.items() if name != "AWS_DEFAULT_REGION"}
    return boto3.client(service, endpoint_url=endpoint_url, region_name=REGION, **keys)
