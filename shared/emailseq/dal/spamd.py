"""A SpamAssassin `spamd` client: one REPORT request over the spamd protocol (SPAMC/1.5), read to the end.

Hand-written rather than `aiospamc` (the maintained library): it is asyncio-only and pins typer below the version
our CLI uses. The protocol is a header block and a body each way; REPORT answers the verdict in a `Spam:` header
and the rules (score, name, description) as the text table spamd prints, which `parse_answer` reads.
"""

import re
import socket

from emailseq.domain.deliverability import SpamCheckUnavailable, SpamReport, SpamRule, parse_address

PROTOCOL = "SPAMC/1.5"
_STATUS = re.compile(r"^SPAMD/\d+\.\d+ (\d+) (.*)$")
_VERDICT = re.compile(r"^(True|False|Yes|No) ; (-?\d+(?:\.\d+)?) / (-?\d+(?:\.\d+)?)$", re.IGNORECASE)
# " 2.7 MISSING_DATE           Missing Date: header"; a long name is followed by a single space.
_RULE = re.compile(r"^ {0,2}(-?\d+\.\d+) +([A-Za-z0-9_]+)(?: +(.*))?$")
_CONTINUATION = re.compile(r"^ {6,}(\S.*)$")  # a description wrapped onto the next, deeply indented line


class SpamdClient:
    def __init__(self, address: str, timeout_seconds: float = 10.0) -> None:
        self.host, self.port = parse_address(address)
        self.timeout_seconds = timeout_seconds

    def check(self, message: bytes) -> SpamReport:
        request = f"REPORT {PROTOCOL}\r\nContent-length: {len(message)}\r\n\r\n".encode() + message
        return parse_answer(self._exchange(request))

    def ping(self) -> bool:
        """True when spamd answers PONG (it is up and has loaded its rules)."""
        answer = self._exchange(f"PING {PROTOCOL}\r\n\r\n".encode())
        return b" PONG" in answer.split(b"\r\n", 1)[0]

    def _exchange(self, request: bytes) -> bytes:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout_seconds) as conn:
                conn.sendall(request)
                conn.shutdown(socket.SHUT_WR)  # spamd answers once it has the whole request
                return _read_all(conn)
        except OSError as error:
            raise SpamCheckUnavailable(f"spamd at {self.host}:{self.port} is unreachable ({error})") from error


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def parse_answer(answer: bytes) -> SpamReport:
    """A REPORT answer: status line, headers (`Spam: True ; 6.2 / 5.0`), a blank line, the report text."""
    head, _, body = answer.decode("utf-8", errors="replace").replace("\r\n", "\n").partition("\n\n")
    status, *header_lines = head.split("\n")
    matched = _STATUS.match(status)
    if matched is None:
        raise SpamCheckUnavailable(f"spamd answered something else than SPAMD/x.y: {status[:80]!r}")
    if matched.group(1) != "0":
        raise SpamCheckUnavailable(f"spamd refused the check: {matched.group(1)} {matched.group(2)}")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    verdict = _VERDICT.match(headers.get("spam", ""))
    if verdict is None:
        raise SpamCheckUnavailable(f"spamd's answer has no readable Spam header: {headers.get('spam')!r}")
    return SpamReport(
        score=float(verdict.group(2)),
        threshold=float(verdict.group(3)),
        is_spam=verdict.group(1).lower() in ("true", "yes"),
        rules=tuple(parse_rules(body)),
    )


def parse_rules(report: str) -> list[SpamRule]:
    """The table after the `---- ----` line; a description may wrap onto indented lines."""
    rules: list[SpamRule] = []
    in_table = False
    for line in report.split("\n"):
        if not in_table:
            in_table = line.startswith("----")
            continue
        if (rule := _RULE.match(line)) is not None:
            rules.append(SpamRule(rule.group(2), float(rule.group(1)), (rule.group(3) or "").strip()))
        elif rules and (more := _CONTINUATION.match(line)) is not None:
            last = rules[-1]
            rules[-1] = SpamRule(last.name, last.score, f"{last.description} {more.group(1).strip()}".strip())
        elif line.strip():
            in_table = False  # the table ended (spamd adds nothing after it today, but be strict)
    return rules
