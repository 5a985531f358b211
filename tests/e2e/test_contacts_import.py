"""CSV contact import on the local stack, through the CLI: presigned upload, the S3 event starting the import,
parallel chunks, progress, the error report with line numbers, and the good contacts queryable."""

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.local_stack import LocalStack, cli

ROWS = 2000
# file line → what is wrong with it (the header is line 1)
BAD = {17: "email", 404: "age", 1001: "cells", 1500: "email", 1999: "age"}


def _write_csv(path: Path, unique: str) -> None:
    lines = ["email,first_name,plan,age"]
    for line in range(2, ROWS + 2):
        email, age, cells = f"imp{line}-{unique}@example.com", str(20 + line % 40), None
        if BAD.get(line) == "email":
            email = f"=HYPERLINK(imp{line})"
        elif BAD.get(line) == "age":
            age = "old"
        elif BAD.get(line) == "cells":
            cells = f"imp{line}-{unique}@example.com,Only"
        lines.append(cells or f"{email},Name{line},{'pro' if line % 2 else 'free'},{age}")
    path.write_text("\n".join(lines) + "\n")


def test_a_2000_row_import_with_bad_rows_through_the_cli(stack: LocalStack, unique, tmp_path):
    # Given a tenant of its own whose `age` is declared a number, and a 2,000-row CSV with five bad rows
    token = cli("tokens", "create", "--tenant", f"imp-{unique}").stdout.strip()
    tenant = (stack.api_url, token)
    assert stack.http("PUT", "/v1/attributes/age", token=token, json={"type": "number"}).status_code == 200
    path = tmp_path / "contacts.csv"
    _write_csv(path, unique)

    # When it is imported with `emailseq contacts import`
    shown = cli("contacts", "import", str(path), as_tenant=tenant, timeout=600)

    # Then the CLI showed the progress bar to the end and the summary, with a link to the report
    assert f"{ROWS}/{ROWS}" in shown.stdout
    assert f"done: {ROWS} rows, {ROWS - len(BAD)} good, {len(BAD)} bad" in shown.stdout
    link = next(line for line in shown.stdout.splitlines() if line.startswith("error report: "))
    report = list(csv.reader(io.StringIO(httpx.get(link.removeprefix("error report: "), timeout=30).text)))

    # And the report names each bad row by its line, with the column, neutralised against formula injection
    assert report[0] == ["line", "column", "reason"]
    named = {int(row[0]): row[1] for row in report[1:]}
    assert named == {17: "email", 404: "age", 1001: "*", 1500: "email", 1999: "age"}
    assert not any(cell.startswith("=") for row in report for cell in row)

    # And the good contacts are queryable, typed; a bad row's address is not there
    found = stack.http("GET", "/v1/contacts", token=token, params={"email": f"imp1998-{unique}@example.com"})
    assert found.status_code == 200
    assert found.json()["attributes"] == {"plan": "free", "age": 20 + 1998 % 40}
    assert (
        stack.http("GET", "/v1/contacts", token=token, params={"email": f"imp1999-{unique}@example.com"}).status_code
        == 404
    )
    # And another tenant sees none of them
    assert stack.http("GET", "/v1/contacts", params={"email": f"imp1998-{unique}@example.com"}).status_code == 404


def test_import_json_output_and_a_file_without_an_email_column(stack: LocalStack, unique, tmp_path):
    token = cli("tokens", "create", "--tenant", f"imp2-{unique}").stdout.strip()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(f"email,first_name\nj-{unique}@example.com,Jo\n")
    bad.write_text("name\nJo\n")

    # --json prints the final state
    state = json.loads(cli("contacts", "import", str(good), "--json", as_tenant=(stack.api_url, token)).stdout)
    assert (state["status"], state["good"], state["bad"], state["error_report_url"]) == ("done", 1, 0, None)

    # A file the import cannot read fails with the reason, one line on stderr and a non-zero status
    failed = cli("contacts", "import", str(bad), as_tenant=(stack.api_url, token), check=False)
    assert failed.returncode != 0
    assert "email" in failed.stderr
    assert "failed" in failed.stderr


def test_lists_and_segments_over_http_with_cursor_pagination(stack: LocalStack, unique):
    token = cli("tokens", "create", "--tenant", f"aud-{unique}").stdout.strip()
    emails = [f"aud{i}-{unique}@example.com" for i in range(7)]
    for index, email in enumerate(emails):
        cli(
            "events",
            "send",
            "aud.seen",
            "--email",
            email,
            "--attr",
            f"plan={'pro' if index % 2 else 'free'}",
            as_tenant=(stack.api_url, token),
        )
    # (the enroller creates the contacts from the events, in no particular order: wait until all are there)
    for email in emails:
        _eventually(
            lambda e=email: stack.http("GET", "/v1/contacts", token=token, params={"email": e}).status_code == 200
        )
    created = stack.http("POST", "/v1/lists", token=token, json={"name": "Beta", "double_opt_in": False}).json()
    added = stack.http("POST", f"/v1/lists/{created['id']}/members", token=token, json={"emails": emails[:5]})
    assert len(added.json()["changed"]) == 5

    # A segment defined afterwards: pro members of the list, backfilled over the tenant's contacts
    segment = {
        "name": "Pro beta",
        "conditions": [{"attribute": "plan", "op": "eq", "value": "pro"}, {"member_of": created["id"]}],
    }
    assert stack.http("PUT", "/v1/segments/pro-beta", token=token, json=segment).status_code == 200

    def members(kind: str, owner: str) -> list[str]:
        got, cursor = [], None
        while True:
            page = stack.http(
                "GET",
                f"/v1/{kind}/{owner}/members",
                token=token,
                params={"limit": 2, **({"cursor": cursor} if cursor else {})},
            ).json()
            got += [m["email"] for m in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return got

    assert sorted(members("lists", created["id"])) == sorted(emails[:5])
    expected = sorted(emails[i] for i in (1, 3))
    _eventually(lambda: sorted(members("segments", "pro-beta")) == expected)  # the backfill runs on the work queue


def _eventually(check: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(1)
