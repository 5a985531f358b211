"""CSV rows read from a stream of raw lines, each row with the line it starts on and the byte offset after it.

The offsets let an import be cut into chunks that each start reading in the middle of the file (an S3 ranged
GET) and still agree with a reading from the start, quoted line breaks included.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from emailseq.domain.errors import InvalidInput


@dataclass(frozen=True)
class Row:
    line: int  # the file line the row starts on (1 is the first line of the file)
    cells: list[str]
    end: int  # byte offset just after the row
    end_line: int  # the last file line the row used


class _Counted:
    """Lines handed to the csv reader, counting the bytes and lines it has taken."""

    def __init__(self, lines: Iterable[bytes], at_start: bool) -> None:
        self._lines = lines
        self._at_start = at_start
        self.bytes = 0
        self.lines = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._lines:
            self.bytes += len(raw)
            self.lines += 1
            text = raw.decode("utf-8", errors="replace")
            if self._at_start and self.lines == 1:
                text = text.removeprefix("\ufeff")  # a byte-order mark, as spreadsheets write
            yield text


def read_rows(lines: Iterable[bytes], offset: int = 0, first_line: int = 1) -> Iterator[Row]:
    """The non-blank rows of `lines`, which start at byte `offset`, file line `first_line`."""
    counted = _Counted(lines, at_start=offset == 0)
    reader = csv.reader(counted, strict=True)
    while True:
        before = counted.lines
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput("file", f"line {first_line + before}: {error}") from None
        if cells:
            yield Row(first_line + before, cells, offset + counted.bytes, first_line + counted.lines - 1)
