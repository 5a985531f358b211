"""CSV contact imports: the header, one row into a contact (or its errors), and the import's progress.

The header names the columns: `email` (required), `first_name`, `last_name`, `timezone`, and any other name is a
custom attribute (declared ones are typed by the tenant's schema, see domain.attributes). An empty cell leaves
the field as it is. A bad row is reported with its line number and does not stop the others.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from emailseq.domain.attributes import AttributeSchema, coerce
from emailseq.domain.errors import InvalidInput
from emailseq.domain.messages import ContactData

PROFILE_COLUMNS = ("email", "first_name", "last_name", "timezone")
MAX_COLUMNS = 101  # the email and at most 100 attributes, as an event may carry
MAX_CELL = 1000
_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportStatus(StrEnum):
    WAITING = "waiting_for_upload"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class RowError:
    line: int  # the row's first line in the file; the header is line 1
    column: str
    reason: str


@dataclass(frozen=True)
class ImportRecord:
    tenant_id: str
    import_id: str
    created_at: datetime
    status: ImportStatus = ImportStatus.WAITING
    total: int | None = None  # rows (without the header), known once the file was read through
    chunks: int = 0
    done: int = 0
    good: int = 0
    bad: int = 0
    reason: str | None = None  # why it failed, when it did
    has_report: bool = False  # an error report was written (some rows were bad)
    columns: list[str] = field(default_factory=list)

    @property
    def source_key(self) -> str:
        return f"{import_prefix(self.tenant_id, self.import_id)}source.csv"

    @property
    def report_key(self) -> str:
        return f"{import_prefix(self.tenant_id, self.import_id)}errors.csv"


def import_prefix(tenant_id: str, import_id: str) -> str:
    return f"imports/{tenant_id}/{import_id}/"


def read_header(cells: list[str]) -> list[str]:
    columns = [cell.strip() for cell in cells]
    if "email" not in columns:
        raise InvalidInput("header", "the first line must name the columns, one of them `email`")
    if len(columns) > MAX_COLUMNS:
        raise InvalidInput("header", f"{len(columns)} columns; at most {MAX_COLUMNS}")
    for name in columns:
        if name not in PROFILE_COLUMNS and not _ATTRIBUTE.match(name):
            raise InvalidInput("header", f"column `{name[:64]}` is not a valid attribute name ([A-Za-z_][A-Za-z0-9_]*)")
    if len(set(columns)) != len(columns):
        raise InvalidInput("header", "a column is named twice")
    return columns


def parse_row(columns: list[str], cells: list[str], line: int, schema: AttributeSchema) -> ContactData | list[RowError]:
    if len(cells) != len(columns):
        return [RowError(line, "*", f"{len(cells)} cells where the header has {len(columns)}")]
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if not value:
            continue
        if len(value) > MAX_CELL:
            errors.append(RowError(line, name, f"longer than {MAX_CELL} characters"))
        elif name in PROFILE_COLUMNS:
            fields[name] = value
        elif name in schema:
            try:
                attributes[name] = coerce(name, schema[name], value)
            except InvalidInput as error:
                errors.append(RowError(line, name, error.reason))
        else:
            attributes[name] = value
    if "email" not in fields and not any(e.column == "email" for e in errors):
        return [RowError(line, "email", "missing"), *errors]
    checked = _contact(fields, attributes, line)  # the profile fields' own rules, even when a cell failed already
    if isinstance(checked, list):
        return checked + errors
    return errors or checked


def _contact(fields: dict[str, Any], attributes: dict[str, Any], line: int) -> ContactData | list[RowError]:
    try:
        return ContactData.model_validate({**fields, "attributes": attributes})
    except ValidationError as error:
        return [RowError(line, str(e["loc"][-1]), _reason(e)) for e in error.errors()]


def _reason(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (CSV injection) is made text with a leading apostrophe."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
