"""Per-tenant data keys: made by KMS on first use, stored wrapped under the tenant, cached unwrapped while warm.

Item `TENANT#t#KEYS / DATA#000001`: the KMS ciphertext of the key (or, for a tenant that requires post-quantum
wrapping, that ciphertext sealed again with hybrid HPKE) and `wrapping` saying which, so records never change when
a tenant's choice does: only new key versions follow it. The first version is made by a conditional put, so two
cold functions racing for a new tenant end with one key.
"""

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from emailseq.crypto.keys import DATA_KEY_BYTES, TenantKeys
from emailseq.crypto.pq_wrap import SCHEME as PQ_SCHEME
from emailseq.crypto.pq_wrap import HybridKeyWrapper
from emailseq.dal.items import from_item, iso, tenant_key, to_item, values
from emailseq.domain.ports import Clock

KMS = "kms"
_CACHE_SECONDS = 15 * 60.0  # how long an unwrapped key lives in a warm function (a revoked grant bites by then)


class DataKeyUnavailable(Exception):
    """A record names a key version the tenant does not have (or a wrapping this deployment cannot open)."""


class DynamoDataKeys:
    def __init__(
        self,
        dynamodb: Any,
        table: str,
        kms: Any,
        kms_key_id: str,
        clock: Clock,
        wrapping_for: Callable[[str], str] = lambda tenant_id: KMS,
        pq_secret: Callable[[], str] | None = None,
    ) -> None:
        self._db, self._table, self._kms, self._kms_key_id = dynamodb, table, kms, kms_key_id
        self._clock = clock
        self._wrapping_for = wrapping_for
        self._pq_secret = pq_secret
        self._pq: HybridKeyWrapper | None = None
        self._cache: dict[tuple[str, int], tuple[float, TenantKeys]] = {}
        self._latest: dict[str, tuple[float, int]] = {}
        self.kms_calls = 0  # read by bench/ to show what the cache saves

    def current(self, tenant_id: str) -> TenantKeys:
        """The version new records are sealed with (made on the tenant's first write)."""
        latest = self._latest.get(tenant_id)
        if latest is None or time.monotonic() - latest[0] > _CACHE_SECONDS:
            version = self._newest_version(tenant_id) or self._create(tenant_id, 1) or self._newest_version(tenant_id)
            latest = (time.monotonic(), version)
            self._latest[tenant_id] = latest
        return self.version(tenant_id, latest[1])

    def index_key(self, tenant_id: str) -> bytes:
        """The blind index stays on the first version's key, so lookups survive rotation of the field key."""
        self.current(tenant_id)  # makes version 1 for a new tenant
        return self.version(tenant_id, 1).index

    def version(self, tenant_id: str, version: int) -> TenantKeys:
        cached = self._cache.get((tenant_id, version))
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        response = self._db.get_item(TableName=self._table, Key=to_item(_key(tenant_id, version)), ConsistentRead=True)
        if "Item" not in response:
            raise DataKeyUnavailable(f"tenant {tenant_id} has no data key v{version}")
        keys = TenantKeys.from_data_key(tenant_id, version, self._unwrap(from_item(response["Item"])))
        self._cache[(tenant_id, version)] = (time.monotonic(), keys)
        return keys

    def rotate(self, tenant_id: str) -> int:
        """A new version for new writes (following the tenant's current wrapping choice); old records still open."""
        version = (self._newest_version(tenant_id) or 0) + 1
        if not self._create(tenant_id, version):
            raise DataKeyUnavailable(f"tenant {tenant_id} was rotated to v{version} meanwhile; retry")
        self._latest.pop(tenant_id, None)
        return version

    def _newest_version(self, tenant_id: str) -> int:
        response = self._db.query(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :data)",
            ExpressionAttributeValues=values({":pk": tenant_key(tenant_id, "KEYS"), ":data": "DATA#"}),
            ScanIndexForward=False,
            Limit=1,
        )
        return int(from_item(response["Items"][0])["version"]) if response["Items"] else 0

    def _create(self, tenant_id: str, version: int) -> int:
        """Version `version` made and stored; 0 when another function stored it first."""
        wrapping = self._wrapping_for(tenant_id)
        generated = self._kms.generate_data_key(
            KeyId=self._kms_key_id, NumberOfBytes=DATA_KEY_BYTES, EncryptionContext=_context(tenant_id, version)
        )
        self.kms_calls += 1
        wrapped = bytes(generated["CiphertextBlob"])
        if wrapping == PQ_SCHEME:
            wrapped = self._pq_wrapper().wrap(wrapped, tenant_id, version)
        item = {**_key(tenant_id, version), "tenant_id": tenant_id, "version": version, "wrapping": wrapping}
        item |= {"kms_key_id": self._kms_key_id, "wrapped": wrapped, "created_at": iso(self._clock.now())}
        try:
            self._db.put_item(TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return 0
            raise
        keys = TenantKeys.from_data_key(tenant_id, version, bytes(generated["Plaintext"]))
        self._cache[(tenant_id, version)] = (time.monotonic(), keys)
        return version

    def _unwrap(self, row: dict[str, Any]) -> bytes:
        tenant_id, version = str(row["tenant_id"]), int(row["version"])
        wrapped = _bytes(row["wrapped"])
        if row["wrapping"] == PQ_SCHEME:
            wrapped = self._pq_wrapper().unwrap(wrapped, tenant_id, version)
        elif row["wrapping"] != KMS:
            raise DataKeyUnavailable(f"unknown key wrapping {row['wrapping']!r}")
        opened = self._kms.decrypt(
            CiphertextBlob=wrapped, KeyId=str(row["kms_key_id"]), EncryptionContext=_context(tenant_id, version)
        )
        self.kms_calls += 1
        return bytes(opened["Plaintext"])

    def _pq_wrapper(self) -> HybridKeyWrapper:
        if self._pq is None:
            if self._pq_secret is None:
                raise DataKeyUnavailable("post-quantum wrapping needs EMAILSEQ_PQ_WRAP_SECRET_ID")
            self._pq = HybridKeyWrapper(self._pq_secret())
        return self._pq


def _key(tenant_id: str, version: int) -> dict[str, str]:
    return {"pk": tenant_key(tenant_id, "KEYS"), "sk": f"DATA#{version:06d}"}


def _context(tenant_id: str, version: int) -> dict[str, str]:
    # KMS binds the ciphertext to this context (and CloudTrail logs it): a key blob moved to another tenant fails.
    return {"emailseq:tenant": tenant_id, "emailseq:key-version": str(version)}


def _bytes(value: Any) -> bytes:
    """A DynamoDB binary as bytes (boto3 hands back its Binary wrapper)."""
    return bytes(getattr(value, "value", value))
