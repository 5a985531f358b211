"""Trained engagement models in S3 (`models/<tenant>/engagement.json`) and the trainer's dated feature snapshots
(`models/<tenant>/snapshots/<day>.json`). A warm function keeps a model for five minutes."""

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from emailseq.domain.ai.score import ScoreModel

_CACHE_SECONDS = 300.0


class S3ScoreModels:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._cache: dict[str, tuple[float, ScoreModel | None]] = {}

    def model(self, tenant_id: str) -> ScoreModel | None:
        cached = self._cache.get(tenant_id)
        if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        data = self._read(f"models/{tenant_id}/engagement.json")
        model = ScoreModel.from_json(data) if data is not None else None
        self._cache[tenant_id] = (time.monotonic(), model)
        return model

    def save_model(self, tenant_id: str, model: ScoreModel) -> None:
        self._write(f"models/{tenant_id}/engagement.json", model.to_json())
        self._cache.pop(tenant_id, None)

    def snapshot(self, tenant_id: str, day: str) -> dict[str, list[float]] | None:
        rows: dict[str, list[float]] | None = self._read(f"models/{tenant_id}/snapshots/{day}.json")
        return rows

    def save_snapshot(self, tenant_id: str, day: str, rows: dict[str, list[float]]) -> None:
        self._write(f"models/{tenant_id}/snapshots/{day}.json", rows)

    def _read(self, key: str) -> Any:
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        return json.loads(answer["Body"].read())

    def _write(self, key: str, data: Any) -> None:
        body = json.dumps(data, separators=(",", ":")).encode()
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
