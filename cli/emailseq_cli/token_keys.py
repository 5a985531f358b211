"""The token key set the CLI signs with and rotates: the local stack's secret, or in AWS the one --secret-id names."""

from typing import Any

from emailseq.auth import KeySet
from emailseq.dal.token_keys import write_key_set


def _secret(secret_id: str | None) -> tuple[Any, str]:
    if secret_id:
        import boto3

        return boto3.client("secretsmanager"), secret_id
    from emailseq_cli.local.aws import local_client
    from emailseq_cli.local.paths import local_paths
    from emailseq_cli.local.stack import StackInfo

    info = StackInfo.load(local_paths())
    return local_client("secretsmanager", info.endpoint), info.token_secret_id


def load_keys(secret_id: str | None) -> KeySet:
    client, name = _secret(secret_id)
    return KeySet.parse(str(client.get_secret_value(SecretId=name)["SecretString"]))


def save_keys(secret_id: str | None, keys: KeySet) -> None:
    client, name = _secret(secret_id)
    write_key_set(client, name, keys)
