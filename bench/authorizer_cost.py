"""What the authorizer spends per request, warm: a JWT checked against the key its kid names, and an API key
hashed and found with one GetItem (against moto in-process: that figure is moto's cost, not DynamoDB's network
round trip, which in AWS adds a few milliseconds)."""

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import boto3
from emailseq.auth import KeySet, Role, mint_token
from emailseq.dal.api_keys import DynamoApiKeys
from emailseq.dal.token_keys import SecretsManagerKeyRing
from emailseq.domain.api_keys import key_hash
from emailseq.logic.api_keys import issue_api_key
from emailseq.logic.authenticate import authenticate
from moto import mock_aws

REGION = "us-east-1"


class _Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


def micros(action: Callable[[], object], rounds: int = 5, seconds: float = 0.6) -> tuple[float, float]:
    """Median and best µs per call over `rounds` timed runs of about `seconds` each."""
    results = []
    for _ in range(rounds):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            action()
            done += 1
        results.append((time.perf_counter() - started) / done * 1e6)
    return statistics.median(results), min(results)


def main() -> None:
    with mock_aws():
        session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION)  # noqa: S106 - moto
        secrets, dynamodb = session.client("secretsmanager"), session.client("dynamodb")
        keys = KeySet(current="k1", keys={"k1": "k" * 64}).rotated()  # two keys, k2 current
        secrets.create_secret(Name="tokens", SecretString=keys.serialise())
        dynamodb.create_table(
            TableName="data",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        )
        ring, store = SecretsManagerKeyRing(secrets, "tokens"), DynamoApiKeys(dynamodb, "data")
        token = mint_token(keys, "acme", Role.EDITOR, datetime.now(UTC), timedelta(hours=1))
        api_key, _ = issue_api_key(store, _Now(), "acme", Role.EDITOR, "bench")
        cases = [
            ("JWT (HS256, key by kid), warm key ring", lambda: authenticate(f"Bearer {token}", ring, store)),
            ("API key: SHA-256 of the key only", lambda: key_hash(api_key)),
            ("API key: hash + GetItem (moto in-process)", lambda: authenticate(f"Bearer {api_key}", ring, store)),
        ]
        print(f"{'authorizer path':<44} {'median µs/req':>14} {'best µs/req':>12}")
        for name, action in cases:
            median, best = micros(action)
            print(f"{name:<44} {median:>14,.1f} {best:>12,.1f}")


if __name__ == "__main__":
    main()
