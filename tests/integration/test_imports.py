"""CSV imports end to end in-process: POST /v1/imports → the file in S3 → its S3 event on the import queue →
the importer cuts it into chunks, imports them, counts each once, and writes the error report."""

import csv
import io
import json
from typing import Any

import pytest
from emailseq.dal.aws import client

OWNER = {"tenant": "t1", "role": "owner", "sub": "dev:x"}
BAD_LINES = {7: "email", 50: "age", 123: "email", 124: "*", 240: "age"}  # file line → the column reported


def _csv_text(rows: int) -> str:
    """A header and `rows` rows; the lines in BAD_LINES are broken in the way their column says."""
    out = ["email,first_name,plan,age"]
    for line in range(2, rows + 2):
        email, age = f"user{line}@example.com", str(20 + line % 50)
        if BAD_LINES.get(line) == "email":
            email = "=cmd|' /C calc'!A0" if line == 7 else "not-an-address"
        if BAD_LINES.get(line) == "age":
            age = "forty"
        cells = [email, f"User{line}", "pro" if line % 3 == 0 else "free", age]
        out.append(",".join(cells[:2]) if BAD_LINES.get(line) == "*" else ",".join(cells))
    return "\n".join(out) + "\n"


def _api(stack, function: str, method: str, path: str, route: str, body: Any = None, **kw: Any):
    params = {k: v for k, v in kw.items() if k != "query"}
    event = stack.http_event(
        method,
        path,
        route_key=f"{method} {route}",
        body=body,
        caller=OWNER,
        path_parameters=params or None,
        query=kw.get("query", ""),
    )
    return stack.call_api(function, event)


def _upload_event(stack, key: str) -> dict[str, Any]:
    notification = stack.load_event("s3_object_created_import.json")
    notification["Records"][0]["s3"]["bucket"]["name"] = stack.archive_bucket
    notification["Records"][0]["s3"]["object"]["key"] = key
    return {"Records": [stack.sqs_record("ImportQueue", json.dumps(notification))]}


def _import(stack, text: str, chunk_rows: str = "50") -> tuple[str, Any]:
    created = _api(stack, "apiImports", "POST", "/v1/imports", "/v1/imports")
    assert created.status == 201, created
    import_id = created.body["id"]
    key = f"imports/t1/{import_id}/source.csv"
    assert key in created.body["upload_url"]
    # The client PUTs the file to the presigned URL (here: straight into the emulated bucket)...
    client("s3").put_object(Bucket=stack.archive_bucket, Key=key, Body=text.encode())
    importer = stack.cold_start("importer", EMAILSEQ_IMPORT_CHUNK_ROWS=chunk_rows)
    # ...and S3 tells the import queue, whose mapping hands the event to the importer
    assert importer.invoke(_upload_event(stack, key)) == {"batchItemFailures": []}
    return import_id, importer


def _progress(stack, import_id: str) -> dict[str, Any]:
    response = _api(
        stack, "apiImports", "GET", f"/v1/imports/{import_id}", "/v1/imports/{import_id}", import_id=import_id
    )
    assert response.status == 200, response
    return response.body


def _report(stack, import_id: str) -> list[list[str]]:
    raw = client("s3").get_object(Bucket=stack.archive_bucket, Key=f"imports/t1/{import_id}/errors.csv")["Body"].read()
    return list(csv.reader(io.StringIO(raw.decode())))


def test_an_import_with_bad_rows_imports_the_good_ones_and_reports_the_bad_with_their_lines(stack):
    # Given `age` declared a number, and a 300-row file with five bad rows
    declared = _api(
        stack, "apiAudiences", "PUT", "/v1/attributes/age", "/v1/attributes/{name}", {"type": "number"}, name="age"
    )
    assert declared.status == 200

    # When it is uploaded and the importer works through the queue (50-row chunks)
    import_id, importer = _import(stack, _csv_text(300))
    started = _progress(stack, import_id)
    assert started["status"] == "running"
    assert started["total"] == 300
    orders = stack.drain("ImportQueue")
    assert len(orders) == 6  # one order per chunk, all queued at once
    assert importer.invoke(stack.sqs_event("ImportQueue", orders)) == {"batchItemFailures": []}

    # Then the import is done with the counts
    final = _progress(stack, import_id)
    assert (final["status"], final["done"], final["good"], final["bad"]) == ("done", 300, 295, 5)
    assert f"imports/t1/{import_id}/errors.csv" in final["error_report_url"]
    # And the report names each bad row by its file line, with the column and the reason, in line order
    header, *rows = _report(stack, import_id)
    assert header == ["line", "column", "reason"]
    assert [(int(r[0]), r[1]) for r in rows] == sorted(BAD_LINES.items())
    assert "must be a number" in rows[1][2]
    # And nothing in it would run as a formula in a spreadsheet
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # And the good contacts are there, typed; the bad ones are not
    ada = stack.find_contact("user9@example.com")
    assert ada.status == 200
    assert ada.body["first_name"] == "User9"
    assert ada.body["attributes"] == {"plan": "pro", "age": 29}
    assert stack.find_contact("user50@example.com").status == 404


def test_a_redelivered_chunk_is_not_counted_twice_and_a_repeated_upload_event_starts_nothing(stack):
    # Given a finished import
    import_id, importer = _import(stack, _csv_text(120))
    orders = stack.drain("ImportQueue")
    importer.invoke(stack.sqs_event("ImportQueue", orders))
    before = _progress(stack, import_id)
    assert (before["status"], before["done"]) == ("done", 120)

    # When SQS delivers a chunk order again, and S3 its upload event again
    importer.invoke(stack.sqs_event("ImportQueue", orders[:1]))
    importer.invoke(_upload_event(stack, f"imports/t1/{import_id}/source.csv"))

    # Then nothing is counted again and nothing new is queued
    after = _progress(stack, import_id)
    assert after.pop("error_report_url").split("?")[0] == before.pop("error_report_url").split("?")[0]  # new signature
    assert after == before
    assert stack.drain("ImportQueue") == []


def test_a_file_without_an_email_column_fails_with_the_reason(stack):
    import_id, _ = _import(stack, "name,plan\nAda,pro\n")
    final = _progress(stack, import_id)
    assert final["status"] == "failed"
    assert "email" in final["reason"]
    assert stack.drain("ImportQueue") == []


def test_segments_follow_the_import_and_a_new_segment_is_backfilled(stack):
    # Given `age` declared a number, and a segment of pro users defined before the import
    _api(stack, "apiAudiences", "PUT", "/v1/attributes/age", "/v1/attributes/{name}", {"type": "number"}, name="age")
    pro = {"name": "Pro", "conditions": [{"attribute": "plan", "op": "eq", "value": "pro"}]}
    assert (
        _api(
            stack, "apiAudiences", "PUT", "/v1/segments/pro", "/v1/segments/{segment_id}", pro, segment_id="pro"
        ).status
        == 200
    )
    stack.drain("ImportQueue")  # its backfill over no contacts yet

    # When 90 contacts are imported (every third one is pro)
    _import_id, importer = _import(stack, _csv_text(90), chunk_rows="40")
    importer.invoke(stack.sqs_event("ImportQueue", stack.drain("ImportQueue")))

    # Then the segment's members are the pro ones, page by page
    members = _members(stack, "segments", "pro", limit=7)
    assert len(members) == 30 - sum(1 for line in BAD_LINES if line % 3 == 0 and line < 92)
    assert all(int(m.removeprefix("user").split("@")[0]) % 3 == 0 for m in members)

    # And a segment defined afterwards is backfilled over the existing contacts (a Query of the directory)
    young = {"name": "Young", "conditions": [{"attribute": "age", "op": "lt", "value": 30}]}
    _api(stack, "apiAudiences", "PUT", "/v1/segments/young", "/v1/segments/{segment_id}", young, segment_id="young")
    while work := stack.drain("ImportQueue"):
        importer.invoke(stack.sqs_event("ImportQueue", work))
    young_members = _members(stack, "segments", "young", limit=50)
    expected = {f"user{line}@example.com" for line in range(2, 92) if line % 50 < 10 and line not in BAD_LINES}
    assert set(young_members) == expected


def _members(stack, kind: str, owner: str, limit: int) -> list[str]:
    route = f"/v1/{kind}/{{{kind[:-1]}_id}}/members"
    emails, cursor, pages = [], "", 0
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = _api(
            stack,
            "apiAudiences",
            "GET",
            f"/v1/{kind}/{owner}/members",
            route,
            query=query,
            **{f"{kind[:-1]}_id": owner},
        )
        assert page.status == 200, page
        emails += [m["email"] for m in page.body["items"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if not cursor:
            break
    assert len(emails) == len(set(emails))
    assert pages >= len(emails) // limit
    return emails


def test_list_members_are_added_by_email_paged_with_a_cursor_and_a_forged_cursor_is_refused(stack):
    # Given 25 contacts and a list
    _import_id, importer = _import(stack, "email\n" + "".join(f"m{i}@example.com\n" for i in range(25)))
    importer.invoke(stack.sqs_event("ImportQueue", stack.drain("ImportQueue")))
    created = _api(
        stack, "apiAudiences", "POST", "/v1/lists", "/v1/lists", {"name": "Newsletter", "double_opt_in": False}
    )
    assert created.status == 201
    assert created.body["double_opt_in"] is False
    list_id = created.body["id"]

    # When 20 of them are added by email (and one unknown address)
    emails = [f"m{i}@example.com" for i in range(20)] + ["nobody@example.com"]
    added = _api(
        stack,
        "apiAudiences",
        "POST",
        f"/v1/lists/{list_id}/members",
        "/v1/lists/{list_id}/members",
        {"emails": emails},
        list_id=list_id,
    )

    # Then 20 are members, the unknown one is named, and paging with limit 6 gives each member once
    assert len(added.body["changed"]) == 20
    assert added.body["not_found"] == ["nobody@example.com"]
    assert sorted(_members(stack, "lists", list_id, limit=6)) == sorted(emails[:20])
    # And an edited cursor is a 422 naming `cursor`
    forged = _api(
        stack,
        "apiAudiences",
        "GET",
        f"/v1/lists/{list_id}/members",
        "/v1/lists/{list_id}/members",
        query="cursor=eyJway1Ijoi",
        list_id=list_id,
    )
    assert forged.status == 422
    assert forged.body["errors"][0]["field"] == "cursor"
    # And a non-empty list cannot be deleted
    refused = _api(stack, "apiAudiences", "DELETE", f"/v1/lists/{list_id}", "/v1/lists/{list_id}", list_id=list_id)
    assert refused.status == 409


@pytest.mark.parametrize(("value", "status"), [("forty", 422), (41, 202), ("41", 202)])
def test_an_event_with_a_declared_attribute_of_the_wrong_type_is_422_naming_it(stack, value, status):
    _api(stack, "apiAudiences", "PUT", "/v1/attributes/age", "/v1/attributes/{name}", {"type": "number"}, name="age")
    event = {"type": "signed_up", "contact": {"email": "ada@example.com", "attributes": {"age": value}}}
    response = stack.post_event(event)
    assert response.status == status, response
    if status == 422:
        assert response.body["errors"] == [
            {"field": "contact.attributes.age", "reason": "must be a number: got 'forty'"}
        ]
    else:
        (envelope,) = [json.loads(m["Body"]) for m in stack.drain("EnrollQueue")]
        assert envelope["detail"]["contact"]["attributes"] == {"age": 41}
