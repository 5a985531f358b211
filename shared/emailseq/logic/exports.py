"""Export of a sequence's events (from the analytics rows, day by day) to S3 as CSV, with a presigned link.

CSV, not Parquet: the only Parquet writers on PyPI (pyarrow, fastparquet with numpy/pandas) are tens of MB, too
big for the Lambda layer; CSV opens in every spreadsheet and loads into every warehouse. Every cell is
neutralised against formula injection as the import error report's are.
"""

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import batched
from typing import Any

from emailseq.domain.imports import neutralise
from emailseq.domain.ports import AnalyticsStore, Clock, ContactBatches, ExportFiles
from emailseq.logic.analytics import check_range

LINK_SECONDS = 3600
COLUMNS = [
    "occurred_at",
    "event",
    "contact_id",
    "email",
    "step_id",
    "url",
    "machine",
    "source",
    "message_id",
    "goal_event",
    "attributed_step",
]


@dataclass(frozen=True)
class ExportPorts:
    analytics: AnalyticsStore
    files: ExportFiles
    contacts: ContactBatches  # the address of each row's contact (erased contacts: left empty)
    clock: Clock


@dataclass(frozen=True)
class Export:
    export_id: str
    sequence_id: str
    first: date
    last: date
    rows: int
    url: str
    expires_at: datetime


def export_events(ports: ExportPorts, tenant_id: str, sequence_id: str, first: date, last: date) -> Export:
    check_range(first, last)
    export_id = uuid.uuid4().hex
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for chunk in batched(ports.analytics.rows(tenant_id, sequence_id, first, last), 100):
        emails = _addresses(ports, tenant_id, chunk)
        for row in chunk:
            writer.writerow(_cells(row, emails))
            count += 1
    key = f"exports/{tenant_id}/{sequence_id}/{export_id}.csv"
    ports.files.put_text(key, out.getvalue())
    url = ports.files.download_url(key, LINK_SECONDS)
    expires = ports.clock.now() + timedelta(seconds=LINK_SECONDS)
    return Export(export_id, sequence_id, first, last, count, url, expires)


def _addresses(ports: ExportPorts, tenant_id: str, rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    ids = sorted({str(row["contact_id"]) for row in rows})
    return {contact.contact_id: contact.email for contact in ports.contacts.get_many(tenant_id, ids)}


def _cells(row: dict[str, Any], emails: dict[str, str]) -> list[str]:
    values = {**row, "occurred_at": row.get("at"), "email": emails.get(str(row["contact_id"]), "")}
    return [neutralise(_text(values.get(column))) for column in COLUMNS]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
