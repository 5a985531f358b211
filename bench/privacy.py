"""Cost of sealing contacts at rest: field encryption, the blind index, HPKE wrapping, and KMS calls with the cache.

Run: .venv/bin/python bench/privacy.py. The crypto figures are the library's own cost on this machine. The KMS and
lookup figures run the real DynamoContactRepository on moto in-process (a stand-in for DynamoDB and KMS): the count
of KMS calls is exact, the lookup time is moto's, not DynamoDB's (which adds a network round trip per read).
"""

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

import boto3
from emailseq.crypto.blind_index import blind_index
from emailseq.crypto.envelope import open_sealed, seal
from emailseq.crypto.keys import TenantKeys
from emailseq.crypto.pq_wrap import HybridKeyWrapper
from emailseq.dal.contacts import DynamoContactRepository
from emailseq.dal.data_keys import DynamoDataKeys
from emailseq.domain.messages import ContactData
from moto import mock_aws

CONTACTS, READS = 100, 1000
MOTO_CREDENTIALS = {"aws_access_key_id": "moto", "aws_secret_access_key": "moto"}  # moto accepts any


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def per_call_us(action: Callable[[], object], runs: int) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        action()
    return (time.perf_counter() - start) / runs * 1e6


def crypto_figures() -> None:
    keys = TenantKeys.from_data_key("t1", 1, os.urandom(32))
    fields = {"email": "ada.lovelace@example.com", "first_name": "Ada", "last_name": "Lovelace"}

    def round_trip() -> None:
        for name, value in fields.items():
            open_sealed(keys, "c1", name, seal(keys, "c1", name, value))

    wrapper, data_key = HybridKeyWrapper("s" * 64), os.urandom(32)
    wrapped = wrapper.wrap(data_key, "t1", 1)
    figures = [
        ("seal + open one contact (address, first and last name)", per_call_us(round_trip, 20000)),
        ("blind index (HMAC-SHA256 of an address)", per_call_us(lambda: blind_index(keys.index, "a@b.example"), 10**5)),
        ("HPKE ML-KEM-768+X25519: wrap a data key", per_call_us(lambda: wrapper.wrap(data_key, "t1", 1), 500)),
        ("HPKE ML-KEM-768+X25519: unwrap a data key", per_call_us(lambda: wrapper.unwrap(wrapped, "t1", 1), 500)),
    ]
    for label, micros in figures:
        print(f"{label:<58} {micros:9.2f} µs")


def _table(db: object) -> str:
    db.create_table(  # type: ignore[attr-defined]
        TableName="bench",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    return "bench"


def repository_figures() -> None:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", **MOTO_CREDENTIALS)
        db, kms = session.client("dynamodb"), session.client("kms")
        table, key_id = _table(db), kms.create_key()["KeyMetadata"]["Arn"]
        writer = DynamoContactRepository(db, table, DynamoDataKeys(db, table, kms, key_id, _Clock()))
        emails = [f"person{n}@example.com" for n in range(CONTACTS)]
        ids = [writer.upsert("t1", ContactData(email=e, first_name="Ada")).contact_id for e in emails]

        warm = DynamoDataKeys(db, table, kms, key_id, _Clock())  # a new warm function: nothing cached yet
        reader = DynamoContactRepository(db, table, warm)
        start = time.perf_counter()
        for n in range(READS):
            reader.get("t1", ids[n % CONTACTS])
        read_us = (time.perf_counter() - start) / READS * 1e6
        print(f"{f'KMS calls per {READS:,} contact reads, one warm function (cache)':<58} {warm.kms_calls:9d}")

        uncached = 0
        for n in range(100):  # without the cache every read would unwrap: measured on 100, scaled
            cold = DynamoDataKeys(db, table, kms, key_id, _Clock())
            DynamoContactRepository(db, table, cold).get("t1", ids[n % CONTACTS])
            uncached += cold.kms_calls
        print(f"{f'KMS calls per {READS:,} contact reads without the cache (on 100)':<58} {uncached * READS // 100:9d}")
        start = time.perf_counter()
        for n in range(READS):
            reader.find_by_email("t1", emails[n % CONTACTS])
        lookup_us = (time.perf_counter() - start) / READS * 1e6
        print(f"{'get by id on moto (opening 3 sealed fields)':<58} {read_us:9.2f} µs")
        print(f"{'find_by_email on moto (blind index → pointer → profile)':<58} {lookup_us:9.2f} µs")


if __name__ == "__main__":
    crypto_figures()
    repository_figures()
