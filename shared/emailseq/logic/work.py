"""The contacts work queue: S3 upload events (start an import), import chunks, segment backfill pages."""

import re
from typing import Any
from urllib.parse import unquote_plus

from emailseq.domain.ports import BackfillPage, ImportChunk
from emailseq.logic.imports import ImportPorts, import_chunk, start_import
from emailseq.logic.segments import AudiencePorts, backfill_page

_SOURCE_KEY = re.compile(r"^imports/(?P<tenant>[^/]+)/(?P<import_id>[0-9a-f]{32})/source\.csv$")


def handle_work_message(imports: ImportPorts, audiences: AudiencePorts, body: dict[str, Any]) -> str:
    """Do what one message asks; what it was (for the log)."""
    kind = body.get("kind")
    if kind == "import.chunk":
        import_chunk(imports, ImportChunk(**{k: v for k, v in body.items() if k != "kind"}))
    elif kind == "segment.backfill":
        backfill_page(audiences, BackfillPage(**{k: v for k, v in body.items() if k != "kind"}))
    elif "Records" in body:
        for key in uploaded_keys(body):
            if found := _SOURCE_KEY.match(key):
                start_import(imports, found["tenant"], found["import_id"])
        kind = "s3.upload"
    elif body.get("Event") == "s3:TestEvent":
        kind = "s3.test"  # S3 checks a new notification target with this; nothing to do
    else:
        raise ValueError(f"unknown work message: {sorted(body)[:5]}")
    return str(kind)


def uploaded_keys(notification: dict[str, Any]) -> list[str]:
    """The object keys an S3 event notification reports created (keys arrive URL-encoded)."""
    return [
        unquote_plus(record["s3"]["object"]["key"])
        for record in notification["Records"]
        if str(record.get("eventName", "")).startswith("ObjectCreated")
    ]
