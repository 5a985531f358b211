"""CSV import rows: the header, one row into a contact or its errors (with the line), CSV injection, offsets."""

import pytest
from emailseq.domain.attributes import AttributeType
from emailseq.domain.csv_rows import read_rows
from emailseq.domain.errors import InvalidInput
from emailseq.domain.imports import RowError, neutralise, parse_row, read_header
from emailseq.domain.messages import ContactData

COLUMNS = ["email", "first_name", "plan", "age"]
SCHEMA = {"age": AttributeType.NUMBER}


def test_a_good_row_becomes_a_contact_with_typed_attributes_and_empty_cells_left_out():
    parsed = parse_row(COLUMNS, [" Ada@Example.com ", "Ada", "pro", ""], 2, SCHEMA)
    assert parsed == ContactData(email="ada@example.com", first_name="Ada", attributes={"plan": "pro"})
    assert parse_row(COLUMNS, ["b@example.com", "", "", "41"], 3, SCHEMA).attributes == {"age": 41}


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["not-an-email", "Ada", "", ""], "email", "@"),
        (["", "Ada", "", ""], "email", "missing"),
        (["a@example.com", "", "", "forty"], "age", "must be a number"),
        (["a@example.com", "x" * 1001, "", ""], "first_name", "longer than 1000"),
        (["a@example.com", "Ada"], "*", "2 cells where the header has 4"),
    ],
)
def test_a_bad_row_is_its_errors_with_line_column_and_reason(cells, column, reason):
    errors = parse_row(COLUMNS, cells, 7, SCHEMA)
    assert isinstance(errors, list)
    assert errors[0].line == 7
    assert errors[0].column == column
    assert reason in errors[0].reason


def test_every_bad_cell_of_a_row_is_reported():
    errors = parse_row(COLUMNS, ["nope", "", "", "x"], 4, SCHEMA)
    assert {e.column for e in errors} == {"email", "age"}


@pytest.mark.parametrize(
    ("header", "reason"),
    [(["first_name"], "email"), (["email", "bad name"], "not a valid attribute"), (["email", "a", "a"], "twice")],
)
def test_a_bad_header_fails_the_whole_file(header, reason):
    with pytest.raises(InvalidInput) as raised:
        read_header(header)
    assert raised.value.field == "header"
    assert reason in raised.value.reason


@pytest.mark.parametrize("cell", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_a_cell_a_spreadsheet_would_run_is_made_text(cell):
    assert neutralise(cell) == "'" + cell
    assert neutralise("ada@example.com") == "ada@example.com"


def test_rows_read_from_a_chunks_offset_agree_with_rows_read_from_the_start():
    # Given a file with a BOM, a blank line, and a quoted cell holding a line break
    data = '\ufeffemail,note\na@example.com,"two\nlines"\n\nb@example.com,x\nc@example.com,y\n'.encode()
    lines = data.splitlines(keepends=True)
    rows = list(read_rows(lines))

    # Then each row knows its first line (the header is line 1) and the byte after it
    assert [(r.line, r.cells[0]) for r in rows] == [
        (1, "email"),
        (2, "a@example.com"),
        (5, "b@example.com"),
        (6, "c@example.com"),
    ]
    # And reading from any row's end gives the remaining rows with the same line numbers
    for index, row in enumerate(rows[:-1]):
        rest = data[row.end :].splitlines(keepends=True)
        again = list(read_rows(rest, row.end, row.end_line + 1))
        assert [(r.line, r.cells) for r in again] == [(r.line, r.cells) for r in rows[index + 1 :]]


def test_a_row_error_is_a_value():
    assert RowError(3, "email", "missing") == RowError(3, "email", "missing")
