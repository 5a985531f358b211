"""CSV contact imports: an upload URL, then chunks imported in parallel from the work queue.

When the file lands in S3 its event starts the import: one pass reads the file through (the row count for
the progress figure, the header, and the byte offset every `chunk_rows` rows), then one order per chunk goes
on the queue. Each chunk reads its rows from its offset, writes the good contacts in batches, keeps its bad
rows as a part of the error report, and is counted once (a retried chunk rewrites the same contacts and is not
counted again). The chunk that completes the count assembles the error report and ends the import.
"""

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from emailseq.domain.csv_rows import Row, read_rows
from emailseq.domain.errors import InvalidInput
from emailseq.domain.imports import (
    ImportRecord,
    ImportStatus,
    RowError,
    import_prefix,
    neutralise,
    parse_row,
    read_header,
)
from emailseq.domain.messages import ContactData
from emailseq.domain.ports import (
    AudienceStore,
    Clock,
    ContactBatches,
    ImportChunk,
    ImportFiles,
    ImportStore,
    WorkQueue,
)
from emailseq.logic.segments import refresh_segments

UPLOAD_SECONDS = 3600
REPORT_SECONDS = 3600
REPORT_HEADER = ["line", "column", "reason"]


@dataclass(frozen=True)
class ImportPorts:
    imports: ImportStore
    files: ImportFiles
    contacts: ContactBatches
    audiences: AudienceStore
    work: WorkQueue
    clock: Clock
    chunk_rows: int = 1000


def create_import(ports: ImportPorts, tenant_id: str) -> tuple[ImportRecord, str]:
    """A new import waiting for its file; the URL to PUT the CSV to."""
    record = ImportRecord(tenant_id=tenant_id, import_id=uuid.uuid4().hex, created_at=ports.clock.now())
    ports.imports.create(record)
    return record, ports.files.upload_url(record.source_key, UPLOAD_SECONDS)


def start_import(ports: ImportPorts, tenant_id: str, import_id: str) -> list[ImportChunk]:
    """The file arrived: count and cut it, then queue its chunks. Nothing for a repeated or unknown upload."""
    record = ports.imports.get(tenant_id, import_id)
    if record is None or record.status != ImportStatus.WAITING:
        return []
    try:
        columns, chunks, total = _plan(record, ports.files.lines(record.source_key), ports.chunk_rows)
    except InvalidInput as error:
        ports.imports.finish(tenant_id, import_id, ImportStatus.FAILED, f"{error.field}: {error.reason}", False)
        return []
    if not ports.imports.begin(tenant_id, import_id, total, len(chunks), columns):
        return []
    if not chunks:
        ports.imports.finish(tenant_id, import_id, ImportStatus.DONE, None, False)
    ports.work.send(list(chunks))
    return chunks


def import_chunk(ports: ImportPorts, chunk: ImportChunk) -> ImportRecord | None:
    record = ports.imports.get(chunk.tenant_id, chunk.import_id)
    if record is None or record.status != ImportStatus.RUNNING:
        return record  # ended already: a redelivered order
    schema = ports.audiences.schema(chunk.tenant_id)
    good: list[ContactData] = []
    errors: list[RowError] = []
    bad = 0
    lines = ports.files.lines(record.source_key, chunk.offset)
    for row in islice(read_rows(lines, chunk.offset, chunk.line), chunk.rows):
        parsed = parse_row(record.columns, row.cells, row.line, schema)
        if isinstance(parsed, list):
            errors, bad = errors + parsed, bad + 1
        else:
            good.append(parsed)
    refresh_segments(ports.audiences, ports.contacts.upsert_many(chunk.tenant_id, good), ports.clock)
    if errors:
        ports.files.put_text(
            f"{import_prefix(chunk.tenant_id, chunk.import_id)}errors/{chunk.index:05d}.csv", _csv(errors)
        )
    after = ports.imports.complete_chunk(chunk, len(good), bad) or ports.imports.get(chunk.tenant_id, chunk.import_id)
    if after is not None and after.status == ImportStatus.RUNNING and after.done >= (after.total or 0):
        _finish(ports, after)
    return after


def report_url(ports: ImportPorts, record: ImportRecord) -> str | None:
    return ports.files.download_url(record.report_key, REPORT_SECONDS) if record.has_report else None


def _finish(ports: ImportPorts, record: ImportRecord) -> None:
    parts = ports.files.texts(f"{import_prefix(record.tenant_id, record.import_id)}errors/")
    if parts:
        ports.files.put_text(record.report_key, _csv([]) + "".join(parts))
    ports.imports.finish(record.tenant_id, record.import_id, ImportStatus.DONE, None, bool(parts))


def _plan(record: ImportRecord, lines: Iterator[bytes], chunk_rows: int) -> tuple[list[str], list[ImportChunk], int]:
    """The header's columns, the chunks (each from the byte after the previous chunk's last row), the row count."""
    rows = read_rows(lines)
    header: Row | None = next(rows, None)
    if header is None:
        raise InvalidInput("file", "empty: the first line must name the columns")
    columns = read_header(header.cells)
    chunks: list[ImportChunk] = []
    total, end, end_line = 0, header.end, header.end_line
    for row in rows:
        if total % chunk_rows == 0:
            chunks.append(ImportChunk(record.tenant_id, record.import_id, len(chunks), end, end_line + 1, 0))
        last = chunks[-1]
        chunks[-1] = ImportChunk(last.tenant_id, last.import_id, last.index, last.offset, last.line, last.rows + 1)
        total, end, end_line = total + 1, row.end, row.end_line
    return columns, chunks, total


def _csv(errors: list[RowError]) -> str:
    """Report rows (the header alone when given none); every cell neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not errors:
        writer.writerow(REPORT_HEADER)
    for error in errors:
        writer.writerow([str(error.line), neutralise(error.column), neutralise(error.reason)])
    return out.getvalue()
